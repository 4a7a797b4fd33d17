#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A QEMU running the board's image, and the UART between us: QEMU is started with one end of a
/// socket pair as UART0's chardev (`-chardev socket,fd=3`), its working directory the state directory
/// (the board's memory files are there, through semihosting), the state lock's descriptor inherited
/// (so a QEMU left behind by a killed bridge still holds the lock), and its stderr ours (the board's
/// messages).
final class QemuBoardLink {
    /// The machine the image is built for.
    static let machine = "mps2-an386"

    /// QEMU's process id.
    let pid: pid_t
    private let socket: Int32
    private var decoder = QemuBoardFrameDecoder()
    private var status: Int32?
    /// Whether the board's side of the UART is closed (QEMU ended or is ending).
    private(set) var isClosed = false

    /// Starts `qemu` on `image` in `directory` with `arguments` as the image's semihosting command line;
    /// `lockDescriptor` stays open in QEMU.
    init(qemu: String, image: String, directory: String, arguments: String, lockDescriptor: Int32)
        throws(StateFileError)
    {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw StateFileError(path: qemu, problem: .system(operation: "socketpair", errno: errno))
        }
        // Above the descriptors the child is given (3 and 4), so no dup2 below lands on its own source.
        let uart = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
        let lock = fcntl(lockDescriptor, F_DUPFD_CLOEXEC, 10)
        close(ends[1])
        defer {
            close(uart)
            close(lock)
        }
        guard uart >= 0, lock >= 0 else {
            close(ends[0])
            throw StateFileError(path: qemu, problem: .system(operation: "fcntl", errno: errno))
        }
        let argv = [
            qemu, "-M", Self.machine, "-display", "none", "-monitor", "none",
            "-chardev", "socket,id=uart,fd=3", "-serial", "chardev:uart",
            "-semihosting-config", "enable=on,target=native", "-kernel", image, "-append", arguments,
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, uart, 3)
        posix_spawn_file_actions_adddup2(&actions, lock, 4)
        guard Self.addChdir(&actions, directory) == 0 else {
            close(ends[0])
            throw StateFileError(path: directory, problem: .system(operation: "posix_spawn_file_actions_addchdir_np", errno: errno))
        }
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, qemu, &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            close(ends[0])
            throw StateFileError(path: qemu, problem: .system(operation: "posix_spawn", errno: spawned))
        }
        pid = child
        socket = ends[0]
    }

    deinit {
        stop()
        close(socket)
    }

    /// Sends one frame to the board.
    func send(_ frame: QemuBoardFrame) -> Bool {
        let bytes = frame.encoded()
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { return false }
            done += wrote
        }
        return true
    }

    /// The next frame from the board, waiting at most `milliseconds` (0: only what has arrived); nil
    /// when none came in time or the board's side closed.
    func receive(milliseconds: Int32) -> QemuBoardFrame? {
        if let frame = decoder.next() { return frame }
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        var wait = milliseconds
        while poll(&poller, 1, wait) > 0 {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let got = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard got > 0 else {
                if got == 0 || (errno != EINTR && errno != EAGAIN) { isClosed = true }
                return nil
            }
            decoder.append(buffer[0..<got])
            if let frame = decoder.next() { return frame }
            wait = 0
        }
        return nil
    }

    /// QEMU's exit status once it has ended (a signal's number plus 128), else nil. Once the UART is
    /// closed QEMU is ending, and this waits for it.
    func exitStatus() -> Int32? {
        if status == nil {
            var raw: Int32 = 0
            var ended = waitpid(pid, &raw, isClosed ? 0 : WNOHANG)
            while ended < 0 && errno == EINTR { ended = waitpid(pid, &raw, isClosed ? 0 : WNOHANG) }
            if ended == pid { status = Self.decode(raw) }
        }
        return status
    }

    /// Ends QEMU (SIGTERM) and waits for it.
    func stop() {
        guard exitStatus() == nil else { return }
        kill(pid, SIGTERM)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        status = Self.decode(raw)
    }

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later), which Swift's Glibc module does
    /// not declare: the child starts in the state directory without this process changing its own.
    private static let addChdir: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
        -> Int32 = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
                preconditionFailure("this C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 or later needed)")
            }
            return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                              UnsafePointer<CChar>) -> Int32).self)
        }()

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }
}
