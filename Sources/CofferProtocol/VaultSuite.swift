// Which OPAQUE-3DH configuration a device serves. A device serves exactly one, fixed when it is made
// (burned into its fuses with its UDS), and reports it in GetInfo so a client follows it with no flag.

/// The identifier of a device's OPAQUE suite (docs/PROTOCOL.md, "Suites"). Extend-only: a value is
/// never renumbered or reused. Unknown values decode (a newer device may serve a newer suite), and a
/// client refuses them by name.
public struct VaultSuite: RawRepresentable, Equatable, Hashable, Sendable {
    /// The byte on the wire and in the fuses.
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// OPAQUE-3DH P256-SHA256, client KSF scrypt(N = 32768, r = 8, p = 1), context "coffer/v1". The default.
    public static let p256SHA256 = VaultSuite(rawValue: 0x01)
    /// OPAQUE-3DH ristretto255-SHA512, client KSF Argon2id as opaque-ke 4 configures it, empty context.
    public static let ristretto255SHA512 = VaultSuite(rawValue: 0x02)

    /// Every suite this build knows.
    public static let known: [VaultSuite] = [.p256SHA256, .ristretto255SHA512]

    /// The suite whose RFC 9497 OPRF identifier is `oprfIdentifier` (the firmware's own suite is
    /// named by its engine's OPAQUE suite this way); nil for any other.
    public init?(oprfIdentifier: [UInt8]) {
        guard let suite = VaultSuite.known.first(where: { $0.oprfIdentifier == oprfIdentifier }) else { return nil }
        self = suite
    }

    /// The RFC 9497 identifier of the suite's OPRF; empty for an unknown suite.
    public var oprfIdentifier: [UInt8] {
        switch self {
        case .p256SHA256: Array("P256-SHA256".utf8)
        case .ristretto255SHA512: Array("ristretto255-SHA512".utf8)
        default: []
        }
    }

    /// The name the command-line tools take and print (`--suite p256-sha256`).
    public var name: String {
        switch self {
        case .p256SHA256: "p256-sha256"
        case .ristretto255SHA512: "ristretto255-sha512"
        default: "unknown"
        }
    }

    /// The suite named `name` (as `name` prints it); nil for any other.
    public init?(name: String) {
        guard let suite = VaultSuite.known.first(where: { $0.name == name }) else { return nil }
        self = suite
    }

    /// The OPAQUE context string (RFC 9807 §6.1) both sides bind into every handshake of this suite:
    /// "coffer/v1" for P256-SHA256; empty for ristretto255-SHA512, because opaque-ke clients bind the
    /// empty context and the suite exists so that they can use a Coffer device.
    public var context: [UInt8] {
        self == .ristretto255SHA512 ? [] : VaultOPAQUE.context
    }
}
