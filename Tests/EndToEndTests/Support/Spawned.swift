import Foundation

/// A child started with posix_spawn, with its signal mask cleared and SIGINT/SIGTERM at their
/// defaults (a child of a test thread would otherwise inherit a mask that may block them), its
/// stdin a pipe the test writes to, stdout and stderr into files.
final class Spawned {
    let pid: pid_t
    /// The write end of the child's stdin.
    let input: Int32

    init(_ binary: String, _ arguments: [String], environment: [String: String], stdout: String, stderr: String)
        throws
    {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ParseFailure(text: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, binary, &actions, &attributes, argv, envp)
        close(fds[0])
        guard status == 0 else {
            close(fds[1])
            throw ParseFailure(text: "posix_spawn failed: \(status)")
        }
        pid = child
        input = fds[1]
    }

    deinit {
        close(input)
    }

    /// Writes `bytes` to the child's stdin; false if the child stopped reading.
    func feed(_ bytes: [UInt8]) -> Bool {
        signal(SIGPIPE, SIG_IGN)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(input, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Waits for the child; (exited normally with status, or killed by signal).
    func wait() -> (status: Int32?, signal: Int32?) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WTERMSIG by hand: the macros are not imported.
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, nil) : (nil, signal)
    }
}

/// Blocks until a file whose name starts with `prefix` is created in `directory` (inotify), or
/// `timeoutMilliseconds` pass; returns its name.
func waitForFile(prefix: String, in directory: String, timeoutMilliseconds: Int32) -> String? {
    let watch = inotify_init1(Int32(IN_CLOEXEC))
    precondition(watch >= 0, "inotify_init1 failed")
    defer { close(watch) }
    precondition(inotify_add_watch(watch, directory, UInt32(IN_CREATE)) >= 0, "inotify_add_watch failed")
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        // Looked for after the watch exists, so a file made before it is not missed.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if let name = names.first(where: { $0.hasPrefix(prefix) }) { return name }
        var fds = [pollfd(fd: watch, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, 1, timeoutMilliseconds)
        if ready == 0 { return nil }
        if ready > 0 { _ = read(watch, &buffer, buffer.count) }
    }
}
