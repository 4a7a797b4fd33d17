/// One page of the counter file: a full copy of every counter, stamped with a sequence number and
/// the tag of the device the bank belongs to.
///
/// Layout (little-endian), `byteCount(counters:)` bytes:
///
/// | offset    | size      | field                                   |
/// |-----------|-----------|-----------------------------------------|
/// | 0         | 8         | magic `CFRCOUNT`                        |
/// | 8         | 2         | format version (2)                      |
/// | 10        | 2         | reserved, zero                          |
/// | 12        | 4         | number of counters n                    |
/// | 16        | 8         | sequence number                         |
/// | 24        | 16        | device tag (`CounterDeviceTag`; zeros: not yet bound) |
/// | 40        | 4·n       | counter values                          |
/// | 40 + 4·n  | 4         | CRC-32 of everything before it          |
///
/// Version 1 had no device tag; it is refused, not migrated (no such bank exists outside tests).
struct CounterPage: Equatable {
    static let magic: [UInt8] = Array("CFRCOUNT".utf8)
    static let version: UInt16 = 2
    static let headerSize = 40
    static let trailerSize = 4

    var sequence: UInt64
    var deviceTag: CounterDeviceTag
    var values: [UInt32]

    init(sequence: UInt64, deviceTag: CounterDeviceTag = .unbound, values: [UInt32]) {
        self.sequence = sequence
        self.deviceTag = deviceTag
        self.values = values
    }

    /// Bytes in one page holding `counters` counters.
    static func byteCount(counters: Int) -> Int {
        headerSize + 4 * counters + trailerSize
    }

    /// The number of counters a page of `byteCount` bytes holds, or nil if no page has that size.
    static func counters(inPageOf byteCount: Int) -> Int? {
        let body = byteCount - headerSize - trailerSize
        guard body > 0, body % 4 == 0 else { return nil }
        return body / 4
    }

    func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.byteCount(counters: values.count))
        ByteLayout.append(Self.version, to: &bytes)
        ByteLayout.append(UInt16(0), to: &bytes)
        ByteLayout.append(UInt32(values.count), to: &bytes)
        ByteLayout.append(sequence, to: &bytes)
        bytes.append(contentsOf: deviceTag.bytes)
        for value in values {
            ByteLayout.append(value, to: &bytes)
        }
        ByteLayout.append(CRC32.checksum(bytes), to: &bytes)
        return bytes
    }

    /// Decodes a page, or says in a few words why it is not a valid one.
    static func decode(_ bytes: ArraySlice<UInt8>) -> Result<CounterPage, PageFault> {
        guard let count = counters(inPageOf: bytes.count) else { return .failure(.wrongSize) }
        guard Array(bytes.prefix(8)) == magic else { return .failure(.badMagic) }
        let version = ByteLayout.read(UInt16.self, from: bytes, at: 8)
        guard version == Self.version else { return .failure(.unsupportedVersion(version)) }
        let checked = bytes.count - trailerSize
        guard CRC32.checksum(bytes.prefix(checked)) == ByteLayout.read(UInt32.self, from: bytes, at: checked) else {
            return .failure(.badChecksum)
        }
        guard ByteLayout.read(UInt16.self, from: bytes, at: 10) == 0,
            ByteLayout.read(UInt32.self, from: bytes, at: 12) == UInt32(count)
        else { return .failure(.malformedHeader) }
        let sequence = ByteLayout.read(UInt64.self, from: bytes, at: 16)
        let tagStart = bytes.startIndex + 24
        let deviceTag = CounterDeviceTag(bytes: Array(bytes[tagStart..<tagStart + CounterDeviceTag.length]))
        let values = (0..<count).map { ByteLayout.read(UInt32.self, from: bytes, at: headerSize + 4 * $0) }
        return .success(CounterPage(sequence: sequence, deviceTag: deviceTag, values: values))
    }
}

/// Why a counter page is not valid.
enum PageFault: Error, Equatable, CustomStringConvertible {
    case wrongSize
    case badMagic
    case unsupportedVersion(UInt16)
    case badChecksum
    case malformedHeader

    var description: String {
        switch self {
        case .wrongSize: return "wrong size"
        case .badMagic: return "bad magic"
        case .unsupportedVersion(let version): return "unsupported format version \(version)"
        case .badChecksum: return "bad checksum"
        case .malformedHeader: return "malformed header"
        }
    }
}
