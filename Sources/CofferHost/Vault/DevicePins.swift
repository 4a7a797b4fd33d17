#if canImport(Glibc)
import CofferCrypto
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The identity keys this user has seen, one file per device serial number: trust on first use.
///
/// The first time a device is used its identity public key is written to `<dir>/<serial>.pin`;
/// every later use must present the same key, or the client refuses loudly.
public struct DevicePins: Sendable {
    /// The environment variable that moves the pin directory (tests use a directory of their own).
    public static let environmentVariable = "COFFER_PIN_DIR"

    /// Where the pin files live.
    public let directory: String

    /// Pins in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// `$COFFER_PIN_DIR`, else `$XDG_CONFIG_HOME/coffer/pins`, else `~/.config/coffer/pins`; nil
    /// when none of those variables is set.
    public static func standard(environment: [String: String]) -> DevicePins? {
        if let explicit = environment[environmentVariable], !explicit.isEmpty { return DevicePins(directory: explicit) }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return DevicePins(directory: config + "/coffer/pins")
        }
        if let home = environment["HOME"], !home.isEmpty { return DevicePins(directory: home + "/.config/coffer/pins") }
        return nil
    }

    /// What checking a key against the pins found.
    public enum Outcome: Equatable, Sendable {
        /// The key matches the pin.
        case matched
        /// No pin existed: this key is now pinned.
        case pinnedNow
    }

    /// The pin file of `serial`.
    public func file(for serial: UInt64) -> String {
        directory + "/" + VaultError.serialText(serial) + ".pin"
    }

    /// Checks `identityKey` against the pin for `serial`, pinning it if there is none.
    public func check(serial: UInt64, identityKey: [UInt8]) throws(VaultError) -> Outcome {
        let path = file(for: serial)
        let presented = Hex.encode(identityKey)
        if let pinned = try read(path) {
            guard pinned == presented else {
                throw .pinnedKeyChanged(serial: serial, pinned: pinned, presented: presented, pinFile: path)
            }
            return .matched
        }
        try makeDirectory(directory)
        try write(presented + "\n", to: path)
        return .pinnedNow
    }

    private func read(_ path: String) throws(VaultError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .pinStore(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw .pinStore(path: path, reason: String(cString: strerror(errno))) }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace
        guard !text.isEmpty, Hex.decode(text) != nil else {
            throw .pinStore(path: path, reason: "not a pin file (hex of an identity public key)")
        }
        return text.lowercased()
    }

    private func write(_ text: String, to path: String) throws(VaultError) {
        // O_EXCL: two first uses racing must not both believe they pinned.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .pinStore(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw .pinStore(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Creates `path` and its missing parents, mode 0700.
    private func makeDirectory(_ path: String) throws(VaultError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw .pinStore(path: current, reason: String(cString: strerror(errno)))
            }
        }
    }
}
