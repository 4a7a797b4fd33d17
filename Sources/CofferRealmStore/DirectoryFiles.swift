#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// The `dir:` backend's file operations, each one POSIX call named in its failure, so that what is
/// durable and what is atomic can be read off the code: a file is written whole under a temporary
/// name (exclusive create), fsynced, then linked under its final name, which fails if the name
/// exists, and the directory is fsynced. A reader never sees a half-written file.
enum DirectoryFiles {
    /// `call` on `path` failed with `code`: the store cannot be used as it is.
    static func failure(_ call: String, _ path: String, _ code: Int32 = errno) -> RealmStoreError {
        .unavailable("\(call) \(path): \(String(cString: strerror(code)))")
    }

    /// Makes directory `path` unless it exists, and makes its name durable in its parent.
    static func makeDirectory(_ path: String) throws(RealmStoreError) {
        if mkdir(path, 0o755) == 0 {
            try syncDirectory(parent(of: path))
            return
        }
        let code = errno
        var status = stat()
        guard code == EEXIST, stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw failure("mkdir", path, code)
        }
    }

    /// fsync of a directory: makes the names created or removed in it durable.
    static func syncDirectory(_ path: String) throws(RealmStoreError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// Creates `path`, which must not exist (O_CREAT|O_EXCL), with `bytes`, and fsyncs it. On a
    /// failure the partial file is removed.
    static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(RealmStoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("open", path) }
        var written = 0
        var failed: RealmStoreError?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failed = failure("write", path)
                    return
                }
                written += count
            }
        }
        if failed == nil, fsync(descriptor) != 0 { failed = failure("fsync", path) }
        close(descriptor)
        if let failed {
            unlink(path)
            throw failed
        }
    }

    /// Writes `bytes` under `temporary`, then links it as `path` unless `path` exists; the
    /// temporary name is removed either way and `path`'s directory fsynced (so that a refusal, too,
    /// stands on a durable entry). True when this call placed `path`.
    static func placeExclusively(_ bytes: [UInt8], at path: String, temporary: String) throws(RealmStoreError) -> Bool {
        try writeNewFile(temporary, bytes)
        let linked = link(temporary, path) == 0
        let code = errno
        unlink(temporary)
        guard linked || code == EEXIST else { throw failure("link", path, code) }
        try syncDirectory(parent(of: path))
        return linked
    }

    /// Writes `bytes` under `temporary`, then renames it over `path` (replacing what was there)
    /// and fsyncs the directory.
    static func replace(_ bytes: [UInt8], at path: String, temporary: String) throws(RealmStoreError) {
        try writeNewFile(temporary, bytes)
        guard rename(temporary, path) == 0 else {
            let failed = failure("rename", path)
            unlink(temporary)
            throw failed
        }
        try syncDirectory(parent(of: path))
    }

    /// The whole content of `path`, nil when there is no such file.
    static func read(_ path: String) throws(RealmStoreError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[..<count])
        }
    }

    /// Removes `path`; true if it was there.
    @discardableResult
    static func remove(_ path: String) throws(RealmStoreError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure("unlink", path)
    }

    /// The names in directory `path` (without "." and ".."), empty when it does not exist.
    static func names(in path: String) throws(RealmStoreError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw failure("opendir", path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The directory part of `path` ("." for a bare name).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Runs blocking file work on a thread of its own, off Swift's cooperative threads: an fsync
    /// takes milliseconds, and concurrent appends must reach the disk together (its journal commits
    /// them in one flush) rather than queue on two cooperative threads or on Dispatch's global
    /// queues, which on Linux start few threads for work that blocks. A thread costs microseconds.
    static func offload<T: Sendable>(
        _ work: @escaping @Sendable () throws(RealmStoreError) -> T
    ) async throws(RealmStoreError) -> T {
        let result: Result<T, RealmStoreError> = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { () throws(RealmStoreError) -> T in try work() })
            }.start()
        }
        return try result.get()
    }
}
