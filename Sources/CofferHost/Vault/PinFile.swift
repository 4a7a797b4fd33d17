#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pin directory's file operations. A pin file is never seen half-written: it is written whole
/// to a temporary beside it (mode 0600), made durable, then linked or renamed into place, and the
/// directory is made durable after.
enum PinFile {
    /// The largest pin file: four short lines. Anything bigger is not a pin and is not read whole.
    static let maximumSize = 4096

    /// The text of `path`, nil when there is no such file.
    static func contents(_ path: String) throws(VaultError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .pinStore(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: maximumSize + 1)
        while bytes.count <= maximumSize {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .pinStore(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        guard bytes.count <= maximumSize else {
            throw .pinFileCorrupt(path: path, reason: "larger than any pin file (\(maximumSize) bytes)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .pinFileCorrupt(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// Puts `text` at `path` only if nothing is there: false when a file already was (two first
    /// uses racing must not both believe they pinned).
    static func create(_ text: String, at path: String, directory: String) throws(VaultError) -> Bool {
        let temporary = try writeTemporary(text, directory: directory)
        defer { unlink(temporary) }
        // link(2) fails with EEXIST instead of replacing: an atomic create-if-absent of a whole file.
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return false }
            throw .pinStore(path: path, reason: String(cString: strerror(errno)))
        }
        try syncDirectory(directory)
        return true
    }

    /// Puts `text` at `path` in place of what is there.
    static func replace(_ text: String, at path: String, directory: String) throws(VaultError) {
        let temporary = try writeTemporary(text, directory: directory)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .pinStore(path: path, reason: reason)
        }
        try syncDirectory(directory)
    }

    /// Removes `path` for good.
    static func remove(_ path: String, directory: String) throws(VaultError) {
        guard unlink(path) == 0 else { throw .pinStore(path: path, reason: String(cString: strerror(errno))) }
        try syncDirectory(directory)
    }

    /// Creates `path` and its missing parents, mode 0700.
    static func makeDirectory(_ path: String) throws(VaultError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw .pinStore(path: current, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// A new file `.pin-XXXXXX` in `directory` holding `text`, mode 0600, made durable.
    private static func writeTemporary(_ text: String, directory: String) throws(VaultError) -> String {
        var template = Array((directory + "/.pin-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .pinStore(path: directory, reason: String(cString: strerror(errno))) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            written += count
        }
        // mkstemp already makes 0600; fchmod says so whatever the platform's default.
        guard written == bytes.count, fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .pinStore(path: path, reason: reason)
        }
        return path
    }

    private static func syncDirectory(_ path: String) throws(VaultError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .pinStore(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .pinStore(path: path, reason: String(cString: strerror(errno))) }
    }
}
