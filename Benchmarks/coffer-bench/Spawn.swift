import Foundation

/// Child processes started with posix_spawn(3) and reaped with wait4(2), for figures that need a
/// child's exact exit moment (Foundation's `Process` notices an exit only on its run loop's next turn)
/// or its own resource usage (peak resident size).
enum Spawn {
    /// Starts `path` with `arguments`, stdout and stderr on /dev/null.
    static func quiet(_ path: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard result == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Waits for `pid` to end: its exit status (-1 when it did not exit normally) and its own usage.
    static func reap(_ pid: pid_t) -> (status: Int32, usage: rusage) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        return (status & 0x7f == 0 ? (status >> 8) & 0xff : -1, usage)
    }

    /// Runs `path` to its end; its peak resident size in bytes, or a failure if it failed.
    static func peakResidentBytes(_ path: String, _ arguments: [String]) throws -> Double {
        let (status, usage) = reap(try quiet(path, arguments))
        guard status == 0 else { throw BenchFailure("\(path) \(arguments) exited \(status)") }
        return Double(usage.ru_maxrss) * 1024
    }
}
