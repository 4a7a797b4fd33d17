import Foundation
import Testing

import func CofferTestSupport.seededBytes

/// The password prompt on a real terminal (a pseudo-terminal the test holds): SIGTERM or SIGINT
/// while echo is off leaves the terminal echoing again (issue 10, defect 12); and key files that
/// others may read are used with a warning, as ssh does.
@Suite(.serialized) struct TerminalTests {
    let scratch = Scratch()

    @Test("a signal at the password prompt puts the terminal's echo back", arguments: [SIGTERM, SIGINT])
    func echoRestored(signal: Int32) throws {
        // posix_openpt and friends by hand: Glibc's module leaves them out.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        // TIOCSPTLCK and TIOCGPTN (asm-generic ioctl numbers; the _IOW macros are not imported).
        try #require(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0)
        let slave = "/dev/pts/\(number)"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A new session whose first terminal opened becomes its controlling terminal: /dev/tty.
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, slave, O_RDWR, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // POSIX_SPAWN_SETSID is glibc's 0x80 (a GNU extension the module does not import).
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let arguments = [Binaries.cofferctl, "--device", "embedded:" + scratch.file("state"), "recover", "--id", "a"]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = scratch.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        try #require(posix_spawn(&pid, Binaries.cofferctl, &actions, &attributes, argv, envp) == 0)

        // The prompt is written once echo is about to go off; read until it shows.
        var seen = ""
        var buffer = [UInt8](repeating: 0, count: 256)
        while !seen.contains("Password for a: ") {
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
            try #require(poll(&fds, 1, 60_000) > 0, "no prompt: \(seen)")
            let count = read(master, &buffer, buffer.count)
            try #require(count > 0, "the terminal closed: \(seen)")
            seen += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        // The prompt is written before echo is turned off; wait for that, from the terminal's side.
        var modes = termios()
        let terminal = open(slave, O_RDWR | O_NOCTTY)
        defer { close(terminal) }
        for _ in 0..<1_000_000 {
            guard tcgetattr(terminal, &modes) == 0, modes.c_lflag & tcflag_t(ECHO) != 0 else { break }
            sched_yield()
        }
        #expect(modes.c_lflag & tcflag_t(ECHO) == 0, "echo was turned off for the password")
        kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        #expect(status & 0x7f == signal, "dies of the signal")
        #expect(tcgetattr(terminal, &modes) == 0)
        #expect(modes.c_lflag & tcflag_t(ECHO) != 0, "echo is back on")
    }

    @Test("a key file others may read is used, with a warning naming its mode")
    func looseKeyFileWarned() throws {
        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")]).status == 0)
        chmod(scratch.file("key"), 0o644)
        scratch.write(seededBytes(100, seed: 1), to: "plain")
        let result = try scratch.cofferctl(["backup", "encrypt", "--key", scratch.file("key"), scratch.file("plain"),
                                            scratch.file("backup")])
        #expect(result.status == 0)
        #expect(result.stderr.contains("accessible by others (mode 0644)"), "\(result.stderr)")
    }
}
