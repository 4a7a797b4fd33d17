import CofferCrypto

/// The record id an account owns in a realm: SHA-256("coffer/realm/v1/account-id" ‖ realm id ‖ account).
///
/// The front-end derives it from the account its token names and refuses any vault request that
/// carries another id, so nobody can spend another account's guesses; the client derives the same id
/// from its own token. Defined here, once, for both.
public enum AccountRecordID {
    /// The domain-separation label, so this hash can never equal another use of SHA-256 in Coffer.
    public static let label: [UInt8] = Array("coffer/realm/v1/account-id".utf8)
    /// The label of the channel an account's requests travel on (see `channel(realmID:account:)`).
    public static let channelLabel: [UInt8] = Array("coffer/realm/v1/account-channel".utf8)
    /// Length of a realm id in bytes.
    public static let realmIDLength = 16

    /// The record id of `account` in realm `realmID` (16 bytes); 32 bytes, within the vault's id limit.
    public static func derive(realmID: [UInt8], account: String) -> [UInt8] {
        precondition(realmID.count == realmIDLength, "a realm id is 16 bytes")
        // The account is last and unframed: the label and the realm id have fixed lengths, so the
        // concatenation is unambiguous.
        return SHA256.hash(label + realmID + Array(account.utf8))
    }

    /// The CTAPHID channel the front-end gives `account`'s requests: the leader member keeps a
    /// pending registration or login per channel, so one account's RegisterFinish or LoginFinish can
    /// only ever meet a start made by that same account. Never 0 (reserved) nor the broadcast channel.
    public static func channel(realmID: [UInt8], account: String) -> UInt32 {
        precondition(realmID.count == realmIDLength, "a realm id is 16 bytes")
        let digest = SHA256.hash(channelLabel + realmID + Array(account.utf8))
        let value = digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        // Maps onto 1 ... 0xFFFF_FFFE.
        return value % 0xFFFF_FFFE + 1
    }
}
