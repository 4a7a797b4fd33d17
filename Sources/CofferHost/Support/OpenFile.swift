#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor owned by this object: closed on deinit. Positioned reads and writes only, so
/// several threads can share one descriptor.
final class OpenFile: @unchecked Sendable {
    let descriptor: Int32
    let path: String
    /// False for a standard stream: it belongs to the process, not to this object.
    private let owned: Bool

    /// Opens `path` with `flags` (and `mode` for O_CREAT).
    init(path: String, flags: Int32, mode: mode_t = 0) throws(BackupError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: path, operation: "open", reason: OpenFile.reason()) }
        descriptor = fd
        self.path = path
        owned = true
    }

    /// Takes ownership of an open descriptor, or only uses it when not `owned` (stdin, stdout).
    init(descriptor: Int32, path: String, owned: Bool = true) {
        self.descriptor = descriptor
        self.path = path
        self.owned = owned
    }

    deinit {
        if owned { close(descriptor) }
    }

    /// The file's status.
    func status() throws(BackupError) -> stat {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io(path: path, operation: "stat", reason: OpenFile.reason()) }
        return info
    }

    /// Reads up to `buffer.count` bytes at `offset`, fewer only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(BackupError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", reason: OpenFile.reason())
            }
            done += count
        }
        return done
    }

    /// Writes all of `buffer` at `offset`.
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int) throws(BackupError) {
        var done = 0
        while done < buffer.count {
            let count = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", reason: OpenFile.reason())
            }
            done += count
        }
    }

    /// Reads from the current position until `buffer` is full or the end of the stream; returns the count.
    func readSequentially(into buffer: UnsafeMutableRawBufferPointer) throws(BackupError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = Glibc.read(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", reason: OpenFile.reason())
            }
            done += count
        }
        return done
    }

    /// Writes all of `buffer` at the current position (a pipe, a terminal, or a file written in order).
    func writeSequentially(_ buffer: UnsafeRawBufferPointer) throws(BackupError) {
        var done = 0
        while done < buffer.count {
            let count = Glibc.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", reason: OpenFile.reason())
            }
            done += count
        }
    }

    /// Makes the file's contents durable.
    func sync() throws(BackupError) {
        guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync", reason: OpenFile.reason()) }
    }

    /// The text of the current `errno`.
    static func reason() -> String {
        String(cString: strerror(errno))
    }
}

/// An output file that appears at its destination only when complete: it is written to a hidden
/// temporary file beside the destination (same directory, so the rename is atomic) and moved to
/// the destination by `commit`. Dropped without `commit`, or on SIGINT/SIGTERM/SIGHUP once
/// `InterruptCleanup` is installed, the temporary file is removed.
///
/// The destination is never replaced unless `replace` says so, and never when it is not a regular
/// file (a symbolic link, a device such as /dev/null, a FIFO, a directory): both are checked before
/// any work, and again at the commit, which links the file into place without replacing anything.
final class StagedOutput {
    /// The temporary file, mode 0600, to write into.
    let file: OpenFile
    private let destination: String
    private let replace: Bool
    private let cleanupSlot: Int
    private var committed = false

    init(destination: String, replace: Bool) throws(BackupError) {
        self.destination = destination
        self.replace = replace
        try StagedOutput.checkDestination(destination, replace: replace)
        let (directory, name) = StagedOutput.split(destination)
        var template = Array("\(directory)/.\(name).coffer-XXXXXX".utf8CString)
        // An interruption between making the file and registering it would leave it behind: hold
        // the signals until it is registered.
        let (fd, path, slot) = InterruptCleanup.deferringInterrupts { () -> (Int32, String, Int) in
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { return (fd, "", -1) }
            let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return (fd, path, InterruptCleanup.removeOnInterrupt(path))
        }
        guard fd >= 0 else {
            throw .io(path: destination, operation: "create a temporary file beside it", reason: OpenFile.reason())
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        cleanupSlot = slot
        file = OpenFile(descriptor: fd, path: path)
    }

    deinit {
        if !committed { unlink(file.path) }
        InterruptCleanup.forget(cleanupSlot)
    }

    /// Refuses a destination that exists unless `replace`, and one that is not a regular file always.
    static func checkDestination(_ destination: String, replace: Bool) throws(BackupError) {
        var info = stat()
        guard lstat(destination, &info) == 0 else {
            if errno == ENOENT { return }
            throw .io(path: destination, operation: "stat", reason: OpenFile.reason())
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .outputNotRegular(path: destination, kind: FileKind(mode: info.st_mode))
        }
        guard replace else { throw .outputExists(path: destination) }
    }

    /// Makes the contents durable if asked, then moves the file to the destination: linked there
    /// (which fails if anything appeared there meanwhile) unless replacing is allowed.
    func commit(durable: Bool) throws(BackupError) {
        if durable { try file.sync() }
        if replace {
            try StagedOutput.checkDestination(destination, replace: true)
            guard rename(file.path, destination) == 0 else {
                throw .io(path: destination, operation: "rename", reason: OpenFile.reason())
            }
        } else {
            if link(file.path, destination) == 0 {
                unlink(file.path)
            } else if errno == EPERM || errno == EOPNOTSUPP {
                // A file system without hard links: check, then rename (a narrow race, not a silent one).
                try StagedOutput.checkDestination(destination, replace: false)
                guard rename(file.path, destination) == 0 else {
                    throw .io(path: destination, operation: "rename", reason: OpenFile.reason())
                }
            } else {
                if errno == EEXIST { throw .outputExists(path: destination) }
                throw .io(path: destination, operation: "link", reason: OpenFile.reason())
            }
        }
        committed = true
        if durable { StagedOutput.syncDirectory(of: destination) }
    }

    /// (directory, last component) of a path; "." when it has no slash.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func syncDirectory(of path: String) {
        let fd = open(split(path).0, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        // A directory that cannot be synced still holds the renamed file; durability is best effort here.
        _ = fsync(fd)
        close(fd)
    }
}

/// What kind of file a path names, for messages.
public enum FileKind: String, Equatable, Sendable {
    case regularFile = "a regular file"
    case directory = "a directory"
    case symbolicLink = "a symbolic link"
    case characterDevice = "a character device"
    case blockDevice = "a block device"
    case fifo = "a FIFO"
    case socket = "a socket"

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        default: self = .regularFile
        }
    }
}
