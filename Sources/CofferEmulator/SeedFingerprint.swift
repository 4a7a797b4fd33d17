import CofferCrypto

/// The keyed fingerprint of the `--seed` a device was made from, kept as the file `seed-fingerprint`
/// in the state directory, so `serve --seed` can refuse a device that was not made from that seed.
///
/// A seeded device is fully determined by its seed; running one seed's stream on another device, or
/// on a device made from the OS CSPRNG, is never what the operator meant. The fingerprint is
/// HMAC-SHA256 keyed by the seed over a fixed label: it names the seed without being the seed.
///
/// Layout (48 bytes, little-endian):
///
/// | offset | size | field                                   |
/// |--------|------|-----------------------------------------|
/// | 0      | 8    | magic `CFRSEEDF`                        |
/// | 8      | 2    | format version (1)                      |
/// | 10     | 2    | reserved, zero                          |
/// | 12     | 32   | HMAC-SHA256(key: seed, label)           |
/// | 44     | 4    | CRC-32 of bytes 0 ..< 44                |
public struct SeedFingerprint: Equatable, Sendable {
    /// The file's name inside the state directory.
    public static let fileName = "seed-fingerprint"
    static let magic: [UInt8] = Array("CFRSEEDF".utf8)
    static let version: UInt16 = 1
    /// The file's one valid size.
    static let size = 48
    static let label: [UInt8] = Array("coffer-emulator/v1/seed-fingerprint".utf8)

    let bytes: [UInt8]

    /// The fingerprint of `seed`.
    public init(seed: [UInt8]) {
        bytes = HMAC<SHA256>.authenticationCode(for: Self.label, key: seed)
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Whether this is the fingerprint of `seed` (compared in constant time).
    public func matches(seed: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(bytes, for: Self.label, key: seed)
    }

    /// The fingerprint recorded at `path`, or nil when there is none. The file's size is checked
    /// before a byte of it is read; a file of another size, magic, version or checksum is refused.
    static func read(path: String) throws(StateFileError) -> SeedFingerprint? {
        guard DurableDirectory.exists(path) else { return nil }
        let file = try DurableFile(openingExisting: path)
        let size = try file.size()
        guard size == Self.size else {
            throw StateFileError(path: path, problem: .wrongSize(actual: size, expected: "\(Self.size)"))
        }
        let bytes = try file.read(offset: 0, count: size)
        guard Array(bytes[0..<8]) == magic else { throw StateFileError(path: path, problem: .badMagic) }
        let version = ByteLayout.read(UInt16.self, from: bytes, at: 8)
        guard version == Self.version else { throw StateFileError(path: path, problem: .unsupportedVersion(version)) }
        guard CRC32.checksum(bytes[0..<44]) == ByteLayout.read(UInt32.self, from: bytes, at: 44) else {
            throw StateFileError(path: path, problem: .badChecksum)
        }
        guard ByteLayout.read(UInt16.self, from: bytes, at: 10) == 0 else {
            throw StateFileError(path: path, problem: .malformed("reserved field is not zero"))
        }
        return SeedFingerprint(bytes: Array(bytes[12..<44]))
    }

    /// Records this fingerprint at `path` (one durable write), never replacing a file there.
    func create(path: String, powerCut: PowerCut) throws(StateFileError) {
        var encoded = Self.magic
        ByteLayout.append(Self.version, to: &encoded)
        ByteLayout.append(UInt16(0), to: &encoded)
        encoded += bytes
        ByteLayout.append(CRC32.checksum(encoded), to: &encoded)
        try powerCut.admitCreation(of: path)
        try DurableDirectory.createExclusively(path, bytes: encoded)
    }
}
