import Foundation

/// Blocks until a file appears in a directory (inotify) or a process ends (its termination
/// handler writes to a pipe), whichever comes first, or until `timeoutMilliseconds` pass: an event
/// wait, not a sleep-and-look loop.
enum ReadyWait {
    enum Outcome: Equatable {
        case appeared
        case processEnded
        case timedOut
    }

    /// `exited` is the read end of a pipe that becomes readable when the process has ended.
    static func waitFor(file path: String, orReadable exited: Int32, timeoutMilliseconds: Int32) -> Outcome {
        let directory = (path as NSString).deletingLastPathComponent
        let watch = inotify_init1(Int32(IN_CLOEXEC))
        precondition(watch >= 0, "inotify_init1 failed")
        defer { close(watch) }
        // A rename into place (IN_MOVED_TO) or a plain create-and-close both announce the file.
        let mask = UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)
        precondition(inotify_add_watch(watch, directory, mask) >= 0, "inotify_add_watch failed")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let start = ContinuousClock.now
        while true {
            // Checked after the watch exists, so a file written before it was set up is not missed.
            if FileManager.default.fileExists(atPath: path) { return .appeared }
            let elapsed = start.duration(to: .now).components
            let left = Int64(timeoutMilliseconds) - elapsed.seconds * 1000 - elapsed.attoseconds / 1_000_000_000_000_000
            guard left > 0 else { return .timedOut }
            var fds = [pollfd(fd: watch, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: exited, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, Int32(left)) >= 0 || errno == EINTR else { return .timedOut }
            if fds[0].revents & Int16(POLLIN) != 0 { _ = read(watch, &buffer, buffer.count) }
            if fds[1].revents & Int16(POLLIN) != 0 {
                return FileManager.default.fileExists(atPath: path) ? .appeared : .processEnded
            }
        }
    }
}
