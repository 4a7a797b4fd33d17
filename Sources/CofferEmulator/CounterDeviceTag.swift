import CofferCrypto
import CofferFirmware
import OPAQUE

/// The tag that binds a `counters` file to the fuses of the one device it belongs to.
///
/// The counter bank and the fuses are both on-chip, but in the emulator they are two files, so one
/// could be put beside the other device's. Each counter page carries this tag, derived one-way from
/// the fuses' UDS: a bank whose tag is not that of the fuses beside it belongs to another device and
/// is refused at start. The tag reveals nothing of the UDS (HMAC-SHA256 under it, truncated).
struct CounterDeviceTag: Equatable {
    /// Bytes in a tag.
    static let length = 16
    /// The label HMAC'd under the UDS; distinct from every firmware key label.
    static let label: [UInt8] = Array("coffer/emulator/v1/counters-device-tag".utf8)
    /// The tag of a bank created while the fuses were blank and not yet bound to a device.
    static let unbound = CounterDeviceTag(bytes: [UInt8](repeating: 0, count: length))

    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        precondition(bytes.count == Self.length, "a counter device tag is \(Self.length) bytes")
        self.bytes = bytes
    }

    /// The tag of the device whose fuses hold `fuses`.
    init(fuses: FuseContents) {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.label, key: fuses.uds)
        self.init(bytes: Array(mac.prefix(Self.length)))
    }

    var isUnbound: Bool { matches(Self.unbound) }

    /// Whether two tags are the same; a keyed tag, so compared in constant time like every MAC.
    func matches(_ other: CounterDeviceTag) -> Bool {
        constantTimeEqual(bytes, other.bytes)
    }

    static func == (lhs: CounterDeviceTag, rhs: CounterDeviceTag) -> Bool { lhs.matches(rhs) }
}
