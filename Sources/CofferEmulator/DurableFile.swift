#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor for one state file, closed when the owner lets go of it. Every write here
/// is followed by `sync()` by its caller before the operation it belongs to is reported done.
final class DurableFile {
    let path: String
    private let descriptor: Int32

    /// Opens an existing file for reading and writing.
    init(openingExisting path: String) throws(StateFileError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw StateFileError(
                path: path, problem: code == ENOENT ? .missing : .system(operation: "open", errno: code))
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    /// The file's current size in bytes.
    func size() throws(StateFileError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw systemError("fstat") }
        return Int(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset`; a short read is an error (the file shrank).
    func read(offset: Int, count: Int) throws(StateFileError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw got == 0
                    ? StateFileError(path: path, problem: .malformed("file ended at byte \(offset + done)"))
                    : systemError("pread")
            }
            done += got
        }
        return bytes
    }

    /// Writes all of `bytes` at `offset` (not yet durable: call `sync()`).
    func write(offset: Int, bytes: [UInt8]) throws(StateFileError) {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { throw systemError("pwrite") }
            done += wrote
        }
    }

    /// Makes everything written so far durable.
    func sync() throws(StateFileError) {
        guard fsync(descriptor) == 0 else { throw systemError("fsync") }
    }

    private func systemError(_ operation: String) -> StateFileError {
        StateFileError(path: path, problem: .system(operation: operation, errno: errno))
    }
}

/// Whole-file durable steps: create-once and atomic replace, each ending with a directory fsync so
/// the new name survives a power cut too.
enum DurableDirectory {
    /// Whether a file (or anything) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates `path` holding `bytes`, never replacing an existing file. The bytes go to a temporary
    /// file first (fsynced), then `link(2)` gives them the final name atomically and fails if it is
    /// taken; so a power cut leaves either no file or the whole file, never a prefix.
    static func createExclusively(_ path: String, bytes: [UInt8]) throws(StateFileError) {
        let temporary = path + ".new"
        try writeTemporary(temporary, bytes: bytes)
        if link(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw StateFileError(
                path: path, problem: code == EEXIST ? .alreadyExists : .system(operation: "link", errno: code))
        }
        try syncDirectory(containing: path)
        unlink(temporary)
        try syncDirectory(containing: path)
    }

    /// Replaces `path` with `bytes` atomically: temporary file, fsync, rename, directory fsync.
    /// With `durable` false the two fsyncs are left out: a reader still sees the old file or the
    /// whole new one, but a power cut may lose the new one (right for a file that announces a
    /// running process, like the ready file, and that a power cut makes stale anyway).
    static func replaceAtomically(_ path: String, bytes: [UInt8], durable: Bool = true) throws(StateFileError) {
        let temporary = path + ".new"
        try writeTemporary(temporary, bytes: bytes, durable: durable)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw StateFileError(path: path, problem: .system(operation: "rename", errno: code))
        }
        if durable { try syncDirectory(containing: path) }
    }

    /// fsyncs the directory that holds `path`, so a create, link, rename or unlink in it is durable.
    static func syncDirectory(containing path: String) throws(StateFileError) {
        let directory = parent(of: path)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StateFileError(path: directory, problem: .system(operation: "open", errno: errno)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw StateFileError(path: directory, problem: .system(operation: "fsync", errno: errno))
        }
    }

    /// The directory part of `path` ("." when there is none).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func writeTemporary(_ temporary: String, bytes: [UInt8], durable: Bool = true)
        throws(StateFileError)
    {
        // A leftover from an earlier power cut never had its final name; it carries no state.
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateFileError(path: temporary, problem: .system(operation: "open", errno: errno)) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { buffer in write(fd, buffer.baseAddress! + done, bytes.count - done) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                let code = errno
                unlink(temporary)
                throw StateFileError(path: temporary, problem: .system(operation: "write", errno: code))
            }
            done += wrote
        }
        guard !durable || fsync(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw StateFileError(path: temporary, problem: .system(operation: "fsync", errno: code))
        }
    }
}
