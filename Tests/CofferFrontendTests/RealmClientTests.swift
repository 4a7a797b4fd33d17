import CTAPHID
import CofferCrypto
import CofferFirmware
import CofferHost
import CofferFrontendLink
import CofferProtocol
import CofferRealmAccess
import CofferRealmStore
import Foundation
import OPAQUE
import Testing

/// The client in realm mode, through a real front-end: it pins the realm by its manifest, accepts a
/// member the manifest lists, refuses a stranger or another AKE key, and uses only its token's account.
@Suite struct RealmClientTests {
    static let members = (1...3).map { try! ECDSASigningKey(scalar: Array(repeating: UInt8($0), count: 32)) }
    static let stranger = try! ECDSASigningKey(scalar: Array(repeating: 0x77, count: 32))
    static let realmAKE = try! ECDSASigningKey(scalar: Array(repeating: 0x55, count: 32)).publicKey
        .compressedRepresentation

    static let manifest: RealmManifest = {
        let group = RealmGroupConfiguration(
            realmID: TestRealm.realmID, groupID: Array(repeating: 0xAB, count: 16), configID: 1,
            members: members.map(\.publicKey.compressedRepresentation))!
        let draft = RealmDraft(
            realmID: TestRealm.realmID, suite: .p256SHA256, group: group, defaultAttemptLimit: 10,
            maxAttemptLimit: 20, isTestRealm: true)!
        return RealmManifest(draft: draft, akePublicKey: realmAKE)
    }()

    /// The published file: every member signs "coffer/realm/v1/manifest" ‖ manifest.
    static func manifestFile() -> RealmManifestFile {
        let message = Array("coffer/realm/v1/manifest".utf8) + manifest.encoded()
        return RealmManifestFile(manifest: manifest, memberSignatures: members.map { try! $0.signature(for: message) })
    }

    /// A GetInfo reply as the realm's leader would give it, signed by `identity`.
    static func getInfoReply(identity: ECDSASigningKey, ake: [UInt8] = realmAKE, serial: UInt64 = 0x1234) -> [UInt8] {
        let signature = try! identity.signature(
            for: IdentityStatement.message(serial: serial, deviceKind: .emulator, akePublicKey: ake))
        let info = GetInfoResponse(
            protocolVersion: CofferProtocolVersion.current,
            firmwareVersion: FirmwareVersion(major: 1, minor: 0, patch: 0),
            serial: serial, lifecycle: .operational, slotCount: 0, recordCount: 0, tombstoneCount: 0, damagedCount: 0,
            defaultAttemptLimit: 10, maxAttemptLimit: 20, akePublicKey: ake,
            identityPublicKey: identity.publicKey.compressedRepresentation, identitySignature: signature,
            suite: .p256SHA256, deviceKind: .emulator)
        return VaultReply(status: .ok, body: info.encoded()).encoded()
    }

    /// A front-end whose leader answers every message with `reply`; `body` gets a realm client of it.
    static func withRealm(
        reply: [UInt8], token: String = TestRealm.token("alice"),
        _ body: @escaping @Sendable (VaultClient, WitnessAgent) throws -> Void
    ) async throws {
        let witness = try await WitnessAgent { _ in (200, reply, [:]) }
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: witness.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: witness.url),
        ])
        let frontend = try await RunningFrontend(board: board, directory: FileManager.default.temporaryDirectory)
        let url = frontend.url
        var failure: (any Error)?
        do {
            try await onOwnThread {
                let link = try FrontendLink(base: url, token: token, caFile: nil)
                try body(
                    VaultClient(transport: link, pins: nil, realm: RealmPin(manifest: manifest, account: "alice")),
                    witness)
            }
        } catch {
            failure = error
        }
        await frontend.stop()
        await witness.stop()
        if let failure { throw failure }
    }

    @Test func aManifestFileLoadsOnlyWithEveryMembersSignature() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.json").path
        try Data(Self.manifestFile().json()).write(to: URL(fileURLWithPath: good))
        #expect(try RealmManifestFile.load(good).manifest == Self.manifest)

        var signatures = Self.manifestFile().memberSignatures
        signatures[2][5] ^= 1
        let bad = directory.appendingPathComponent("bad.json").path
        try Data(RealmManifestFile(manifest: Self.manifest, memberSignatures: signatures).json())
            .write(to: URL(fileURLWithPath: bad))
        #expect(throws: VaultError.self) { try RealmManifestFile.load(bad) }

        let witness = try ECDSASigningKey(scalar: Array(repeating: 0x31, count: 32))
        let countersigned = try Self.manifestFile().countersigned(role: "witness", with: witness)
        #expect(countersigned.isCountersigned(role: "witness", by: witness.publicKey))
        #expect(!countersigned.isCountersigned(role: "operator", by: witness.publicKey))
        #expect(!countersigned.isCountersigned(role: "witness", by: Self.stranger.publicKey))
    }

    @Test func aMemberTheManifestListsIsAccepted() async throws {
        try await Self.withRealm(reply: Self.getInfoReply(identity: Self.members[1])) { client, witness in
            let device = try client.verifiedDevice()
            #expect(device.info.serial == 0x1234)
            #expect(witness.requests.count == 1)
        }
    }

    @Test func aStrangerOrAnotherAKEKeyIsRefused() async throws {
        try await Self.withRealm(reply: Self.getInfoReply(identity: Self.stranger)) { client, _ in
            #expect(throws: VaultError.notARealmMember(serial: 0x1234)) { try client.verifiedDevice() }
        }
        let otherAKE = Self.stranger.publicKey.compressedRepresentation
        try await Self.withRealm(reply: Self.getInfoReply(identity: Self.members[0], ake: otherAKE)) { client, _ in
            #expect(throws: VaultError.realmKeyMismatch) { try client.verifiedDevice() }
        }
    }

    @Test func anotherAccountsIdIsRefusedBeforeAnythingIsSent() async throws {
        try await Self.withRealm(reply: Self.getInfoReply(identity: Self.members[1])) { client, witness in
            #expect(throws: VaultError.notTheTokensAccount(id: "bob", account: "alice")) {
                try client.recover(id: Array("bob".utf8), password: SecretBytes(Array("pw".utf8)))
            }
            #expect(witness.requests.isEmpty)
        }
    }

    @Test func aRefusedTokenIsReportedWithItsHTTPStatus() async throws {
        let forged = TestRealm.token("alice", key: TestRealm.otherKey)
        try await Self.withRealm(reply: Self.getInfoReply(identity: Self.members[1]), token: forged) {
            client, witness in
            let error = #expect(throws: VaultError.self) { try client.verifiedDevice() }
            guard case .device(.frontendRefused(_, 401, _))? = error else {
                Issue.record("expected the front-end's 401, got \(String(describing: error))")
                return
            }
            #expect(witness.requests.isEmpty)
        }
    }
}
