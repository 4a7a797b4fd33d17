import CofferCrypto
import CofferFirmware
import CofferProtocol
import CofferRealmAccess

/// What a client trusts in realm mode: the realm's manifest (pinned from a file the user was given),
/// and the account its token names.
///
/// A realm answers through whichever member leads; that member's GetInfo is accepted when its identity
/// key is one of the manifest's members, the AKE key it signs is the realm's, and the suite is the
/// realm's. The RegisterStart signature is then checked under that member's key (`VaultClient`), so a
/// registration answer is accepted only from a member the manifest lists.
public struct RealmPin: Sendable {
    /// The verified manifest (its member signatures checked when it was loaded).
    public let manifest: RealmManifest
    /// The account the token names (`sub`).
    public let account: String

    public init(manifest: RealmManifest, account: String) {
        self.manifest = manifest
        self.account = account
    }

    /// The realm id as lower-case hex.
    public var realmHex: String { Hex.encode(manifest.draft.realmID) }

    /// Checks a GetInfo (whose identity signature already verified) against the manifest.
    func check(_ info: GetInfoResponse) throws(VaultError) {
        guard let presented = try? ECDSAVerifyingKey(sec1: info.identityPublicKey),
            manifest.draft.group.members.contains(where: { (try? ECDSAVerifyingKey(sec1: $0)) == presented })
        else { throw .notARealmMember(serial: info.serial) }
        guard info.akePublicKey == manifest.akePublicKey, info.suite == manifest.draft.suite else {
            throw .realmKeyMismatch
        }
        // Emulators and seeded devices may serve test realms only (REALM.md, "Ceremony").
        guard manifest.draft.isTestRealm || info.deviceKind == .hardware else {
            throw .notARealmMember(serial: info.serial)
        }
    }

    /// The record id for `id`: it must be this account's name (the user says which account they mean,
    /// the token says which they may use), and the realm knows the record by the derived id.
    func recordID(forAccount id: [UInt8]) throws(VaultError) -> [UInt8] {
        guard id == Array(account.utf8) else {
            throw .notTheTokensAccount(id: String(decoding: id, as: UTF8.self), account: account)
        }
        return AccountRecordID.derive(realmID: manifest.draft.realmID, account: account)
    }
}
