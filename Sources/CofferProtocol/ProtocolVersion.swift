/// The version of the vault's message layouts (docs/PROTOCOL.md). Raised on any incompatible change.
public enum CofferProtocolVersion {
    /// Current layout version.
    public static let current: UInt8 = 2
}
