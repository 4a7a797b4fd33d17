import CofferFirmware
import CofferProtocol
import Logging

/// The chip's one-time-programmable fuses as the file `fuses` in the state directory.
///
/// Blank fuses are an absent file. Burning creates the file once (temporary file, fsync, `link(2)`
/// so an existing file is never replaced, directory fsync); nothing ever writes it again.
///
/// Layout (56 bytes, little-endian):
///
/// | offset | size | field                                   |
/// |--------|------|-----------------------------------------|
/// | 0      | 8    | magic `CFRFUSES`                        |
/// | 8      | 2    | format version (1)                      |
/// | 10     | 2    | OPAQUE suite (`VaultSuite`; 0 = P256-SHA256) |
/// | 12     | 32   | unique device secret (UDS)              |
/// | 44     | 8    | serial number                           |
/// | 52     | 4    | CRC-32 of bytes 0 ..< 52                |
public final class FuseFile: FuseBank {
    /// The file's name inside the state directory.
    public static let fileName = "fuses"
    static let magic: [UInt8] = Array("CFRFUSES".utf8)
    static let version: UInt16 = 1
    static let size = 56

    /// The file's path.
    public let path: String
    private let powerCut: PowerCut
    private var contents: FuseContents?
    /// Runs, and must succeed, right before the fuses are burned: `ChipMedia` binds the counter bank
    /// to the new fuses here, so burned fuses never sit beside a bank that is not bound to them.
    var beforeBurn: ((FuseContents) throws(HALError) -> Void)?
    private let logger = Logger(label: "coffer.emulator.fuses")

    /// Opens the fuses at `path`: blank if the file is absent, else its validated contents.
    /// A file of the wrong size, magic, version or checksum is refused, never replaced.
    public init(path: String, powerCut: PowerCut) throws(StateFileError) {
        self.path = path
        self.powerCut = powerCut
        guard DurableDirectory.exists(path) else {
            contents = nil
            return
        }
        let file = try DurableFile(openingExisting: path)
        let size = try file.size()
        guard size == Self.size else {
            throw StateFileError(path: path, problem: .wrongSize(actual: size, expected: "\(Self.size)"))
        }
        var bytes = try file.read(offset: 0, count: size)
        defer { bytes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        contents = try Self.decode(bytes, path: path)
    }

    /// True while the fuses have never been burned.
    public var isBlank: Bool { contents == nil }

    /// The serial number once burned (not a secret: it is printed and reported).
    public var serial: UInt64? { contents?.serial }

    /// The OPAQUE suite the fuses were burned for; nil while blank.
    public var suite: VaultSuite? { contents?.suite }

    public func read() throws(HALError) -> FuseContents? {
        contents
    }

    public func burn(_ new: FuseContents) throws(HALError) {
        guard contents == nil else { throw .alreadyBurned }
        guard new.uds.count == FuseContents.udsLength else { throw .outOfRange }
        try beforeBurn?(new)
        try powerCut.admitWrite(to: path)
        var bytes = Self.encode(new)
        defer { bytes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        do {
            try DurableDirectory.createExclusively(path, bytes: bytes)
        } catch {
            logger.error("cannot burn fuses: \(error)")
            throw error.problem == .alreadyExists ? .alreadyBurned : .ioFailure
        }
        contents = new
    }

    static func encode(_ contents: FuseContents) -> [UInt8] {
        var bytes = magic
        ByteLayout.append(version, to: &bytes)
        ByteLayout.append(UInt16(contents.suite.rawValue), to: &bytes)
        bytes.append(contentsOf: contents.uds)
        ByteLayout.append(contents.serial, to: &bytes)
        ByteLayout.append(CRC32.checksum(bytes), to: &bytes)
        return bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(StateFileError) -> FuseContents {
        guard Array(bytes[0..<8]) == magic else { throw StateFileError(path: path, problem: .badMagic) }
        let version = ByteLayout.read(UInt16.self, from: bytes, at: 8)
        guard version == Self.version else {
            throw StateFileError(path: path, problem: .unsupportedVersion(version))
        }
        guard CRC32.checksum(bytes[0..<52]) == ByteLayout.read(UInt32.self, from: bytes, at: 52) else {
            throw StateFileError(path: path, problem: .badChecksum)
        }
        // The suite took a field that was reserved and zero when P256-SHA256 was the only suite, so
        // fuses burned then read as that suite.
        let suiteField = ByteLayout.read(UInt16.self, from: bytes, at: 10)
        let suite =
            suiteField == 0 ? VaultSuite.p256SHA256 : VaultSuite(rawValue: UInt8(truncatingIfNeeded: suiteField))
        guard suiteField <= UInt8.max, VaultSuite.known.contains(suite) else {
            throw StateFileError(
                path: path, problem: .malformed("suite field \(suiteField) names no suite this emulator knows"))
        }
        return FuseContents(
            uds: Array(bytes[12..<44]), serial: ByteLayout.read(UInt64.self, from: bytes, at: 44), suite: suite)
    }
}
