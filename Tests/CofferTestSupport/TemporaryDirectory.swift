import Foundation

/// A fresh directory under the system temp dir, removed with everything in it on deinit.
public final class TemporaryDirectory {
    /// The directory.
    public let path: String

    /// Makes the directory.
    public init() {
        let template = NSTemporaryDirectory() + "coffer-emulator-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { fatalError("mkdtemp failed: \(errno)") }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String {
        path + "/" + name
    }

    /// The contents of `name`.
    public func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    /// Replaces the contents of `name`.
    public func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    /// Flips one bit of the file's byte at `offset`.
    public func flipBit(_ name: String, at offset: Int) throws {
        var contents = try bytes(name)
        contents[offset] ^= 0x01
        try write(name, contents)
    }
}

extension TemporaryDirectory {
    /// Removes `name`.
    public func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: file(name))
    }
}

extension TemporaryDirectory {
    /// The names in the directory, sorted.
    public var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Writes `bytes` as `name`, stopping the test run if the file system refuses.
    public func write(_ bytes: [UInt8], to name: String) {
        precondition(FileManager.default.createFile(atPath: file(name), contents: Data(bytes)), "cannot write \(name)")
    }

    /// The contents of `name`, or nil when there is no such file.
    public func read(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map { [UInt8]($0) }
    }

    /// Whether `name` exists in the directory.
    public func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: file(name))
    }
}
