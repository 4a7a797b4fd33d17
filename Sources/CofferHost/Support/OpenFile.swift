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

    /// Opens `path` with `flags` (and `mode` for O_CREAT).
    init(path: String, flags: Int32, mode: mode_t = 0) throws(BackupError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: path, operation: "open", reason: OpenFile.reason()) }
        descriptor = fd
        self.path = path
    }

    /// Takes ownership of an open descriptor.
    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
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
/// temporary file beside the destination (same directory, so the rename is atomic) and renamed
/// over the destination by `commit`. Dropped without `commit`, the temporary file is removed.
final class StagedOutput {
    /// The temporary file, mode 0600, to write into.
    let file: OpenFile
    private let destination: String
    private var committed = false

    init(destination: String) throws(BackupError) {
        self.destination = destination
        let (directory, name) = StagedOutput.split(destination)
        var template = Array("\(directory)/.\(name).coffer-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw .io(path: destination, operation: "create a temporary file beside it", reason: OpenFile.reason())
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        file = OpenFile(descriptor: fd, path: path)
    }

    deinit {
        if !committed { unlink(file.path) }
    }

    /// Makes the contents durable if asked, then renames the file over the destination.
    func commit(durable: Bool) throws(BackupError) {
        if durable { try file.sync() }
        guard rename(file.path, destination) == 0 else {
            throw .io(path: destination, operation: "rename", reason: OpenFile.reason())
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
