#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferCrypto
import OPAQUE

/// Why a key file could not be written or read.
public enum KeyFileError: Error, Equatable, Sendable {
    /// `keygen --out` never overwrites: a key file may be the only copy of a key.
    case exists(path: String)
    /// The file is not 64 hex digits (and an optional newline).
    case malformed(path: String)
    /// A system call failed.
    case io(path: String, operation: String, reason: String)
    /// The key could not be written into its new file (a full disk, an I/O error); the file is removed.
    case notWritten(path: String, reason: String)
}

extension KeyFileError: CofferFailure {
    public var exitStatus: ExitStatus {
        switch self {
        case .malformed: .dataError
        case .exists, .io: .failure
        case .notWritten: .outputFailed
        }
    }

    public var message: String {
        switch self {
        case .exists(let path): "\(path) exists; a key file is never overwritten (remove it first if you mean to)"
        case .malformed(let path): "\(path) is not a key file (64 hex digits, as `cofferctl keygen` writes)"
        case .io(let path, let operation, let reason): "\(path): \(operation) failed: \(reason)"
        case .notWritten(let path, let reason): "\(path): could not write the key: \(reason); the file is removed"
        }
    }
}

/// A backup key: 32 random bytes, written as 64 lower-case hex digits and a newline.
public enum BackupKey {
    /// Bytes in a backup key.
    public static let length = 32

    /// A fresh key from `random`.
    public static func generate(random: some RandomSource = SystemRandom()) -> SecretBytes {
        let key = SecretBytes(zeros: length)
        key.withUnsafeMutableBytes { random.fill($0) }
        return key
    }

    /// The key as 64 hex digits, for printing once to the person who owns it.
    public static func hex(_ key: SecretBytes) -> String {
        key.withUnsafeBytes { Hex.encode($0) }
    }

    /// Parses 64 hex digits, ignoring surrounding whitespace; nil for anything else.
    public static func parse(_ text: some StringProtocol) -> SecretBytes? {
        let digits = text.trimmingWhitespace
        guard digits.utf8.count == 2 * length, let bytes = Hex.decode(digits) else { return nil }
        return SecretBytes(bytes)
    }

    /// Writes `key` to a new file at `path`, readable and writable by its owner only (0600).
    public static func write(_ key: SecretBytes, to path: String) throws(KeyFileError) {
        try reserve(path).fill(with: key)
    }

    /// Creates the new, empty key file at `path` (mode 0600) to be filled later: a command that gets
    /// its key from the device claims the file first, so a name that exists or cannot be created
    /// is refused before a guess is spent. The file is removed unless it is filled.
    public static func reserve(_ path: String) throws(KeyFileError) -> KeyFileReservation {
        // O_EXCL also refuses a symbolic link at `path`, dangling or not.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .exists(path: path) }
            throw .io(path: path, operation: "create", reason: String(cString: strerror(errno)))
        }
        let reservation = KeyFileReservation(descriptor: fd, path: path)
        // The umask can only narrow 0600, but say it outright in case the file system ignores it.
        guard fchmod(fd, 0o600) == 0 else {
            throw .io(path: path, operation: "chmod 0600", reason: String(cString: strerror(errno)))
        }
        return reservation
    }

    /// Reads a key file written by `write` (or any file holding 64 hex digits). A file that others
    /// may read or write is still read, as ssh reads a key with loose modes only after a warning:
    /// `warn` is told.
    public static func read(from path: String, warn: (String) -> Void = { _ in }) throws(KeyFileError) -> SecretBytes {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            warn("WARNING: key file \(path) is accessible by others (mode 0\(mode)): anyone who can read it can "
                 + "open your backups; run chmod 600 \(path)")
        }
        // A key file is 65 bytes; anything much longer is not one, so read a bounded amount.
        var buffer = [UInt8](repeating: 0, count: 256)
        var count = 0
        while count < buffer.count {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw .io(path: path, operation: "read", reason: String(cString: strerror(errno))) }
            if got == 0 { break }
            count += got
        }
        defer { for i in buffer.indices { buffer[i] = 0 } }
        guard count < buffer.count, let key = parse(String(decoding: buffer[0..<count], as: UTF8.self)) else {
            throw .malformed(path: path)
        }
        return key
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line ends (CR, LF).
    var trimmingWhitespace: String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}

/// A new key file claimed by `BackupKey.reserve`: filled once, or removed when dropped unfilled.
public final class KeyFileReservation {
    private let descriptor: Int32
    /// The key file's path.
    public let path: String
    private var filled = false

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
        if !filled { unlink(path) }
    }

    /// Writes `key` as 64 hex digits and a newline and makes it durable; on failure the file is removed.
    public func fill(with key: SecretBytes) throws(KeyFileError) {
        precondition(!filled, "a key file is filled once")
        let line = Array((BackupKey.hex(key) + "\n").utf8)
        if let reason = Console.writeAll(line, to: descriptor) { throw .notWritten(path: path, reason: reason) }
        guard fsync(descriptor) == 0 else {
            throw .notWritten(path: path, reason: String(cString: strerror(errno)))
        }
        filled = true
    }
}
