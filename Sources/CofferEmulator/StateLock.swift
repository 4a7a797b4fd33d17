#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock(2)` on the state directory's `lock` file, so two emulators never drive the
/// same chip. The kernel drops it when the process ends, however it ends (power cut included).
public final class StateLock {
    /// The lock file's name inside the state directory.
    public static let fileName = "lock"

    /// The lock file's path.
    public let path: String
    /// The locked descriptor (-1 once released); a child given a copy holds the lock while it lives.
    private(set) var descriptor: Int32

    /// Takes the lock on `directory`, or refuses naming the directory and, when known, the holder.
    public init(directory: String) throws(StateFileError) {
        path = directory + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateFileError(path: path, problem: .system(operation: "open", errno: errno)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.holder(fd)
            close(fd)
            guard code == EWOULDBLOCK else {
                throw StateFileError(path: path, problem: .system(operation: "flock", errno: code))
            }
            throw StateFileError(path: directory, problem: .locked(holder: holder.map { "pid \($0)" } ?? "lock held"))
        }
        descriptor = fd
        // The holder's pid is a courtesy for the message above; the lock itself is the flock.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
    }

    /// Drops the lock now rather than at deinit.
    public func release() {
        guard descriptor >= 0 else { return }
        // Unlocked before the close: a child that another thread is spawning holds a copy of the
        // descriptor until its exec closes it, and a close alone would leave the lock held by that copy.
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }

    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard got > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<got], as: UTF8.self).trimmingWhitespace())
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
