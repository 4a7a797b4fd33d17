// Realm mode in the chip (docs/PROTOCOL.md §11.8): the ceremony run through the vault's own command
// bytes (0x68–0x6E) on manufactured chips, joins, the role rule (a member refuses standalone vault
// commands; a provisioned chip takes no realm role), the ceremony's refusals as an attacker would send
// them, and zeroize erasing the realm area through the chip.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import Testing

@testable import CofferFirmware

/// A ceremony command's reply from `vault`, through its command bytes.
func ceremonyCall(_ vault: TestVault, _ request: RealmCeremonyRequest) throws -> RealmCeremonyReply {
    let bytes = vault.handle(command: request.operation.rawValue, payload: request.encodedPayload(), channel: 3)
    return try RealmCeremonyReply(operation: request.operation, decoding: bytes)
}

/// A member command's reply from `vault`, through its command bytes.
func memberCall(_ vault: TestVault, _ request: RealmLinkRequest) throws -> RealmLinkReply {
    let bytes = vault.handle(command: request.operation.rawValue, payload: request.encodedPayload(), channel: 3)
    return try RealmLinkReply(operation: request.operation, decoding: bytes)
}

/// Manufactured chips and the draft of a test realm listing the first `members` of them.
struct RealmChips {
    let memories: [ChipMemories]
    var vaults: [TestVault]
    let draft: RealmDraft

    init(members: Int, outsiders: Int = 0, seed: UInt64 = 0x12) throws {
        memories = (0..<(members + outsiders)).map { ChipMemories(slots: 4, seed: seed &+ UInt64($0)) }
        vaults = try memories.enumerated().map { index, memory in
            let vault = try memory.boot()
            try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 500 + UInt64(index))), channel: 0))
            return vault
        }
        let keys = try vaults.prefix(members).map { try info($0).identityPublicKey }
        draft = try Self.draft(keys: keys, realmID: [UInt8](repeating: UInt8(truncatingIfNeeded: seed), count: 16))
    }

    static func draft(keys: [[UInt8]], realmID: [UInt8]) throws -> RealmDraft {
        let group = try #require(
            RealmGroupConfiguration(
                realmID: realmID, groupID: [UInt8](repeating: 0x6A, count: 16), configID: 1, members: keys))
        return try #require(
            RealmDraft(
                realmID: realmID, suite: .p256SHA256, group: group, defaultAttemptLimit: 3, maxAttemptLimit: 9,
                isTestRealm: true))
    }

    /// Generates on member 0: its sealed secrets and the manifest.
    func generate() throws -> (sealed: [UInt8], manifest: RealmManifest) {
        guard case .secrets(let sealed, let manifest) = try ceremonyCall(vaults[0], .generate(draft)) else {
            throw UnexpectedReply()
        }
        return (sealed, manifest)
    }

    /// Member `id`'s offer.
    func offer(_ id: Int) throws -> RealmExportOffer {
        guard case .offer(let offer) = try ceremonyCall(vaults[id], .offer(draft)) else { throw UnexpectedReply() }
        return offer
    }

    /// The whole ceremony through the chips' commands, then every member joins: each one's sealed blob.
    func ceremonyAndJoin() throws -> [[UInt8]] {
        let generated = try generate()
        var sealed = [generated.sealed]
        for id in 1..<draft.group.members.count {
            guard
                case .export(let export) = try ceremonyCall(
                    vaults[0], .export(draft, sealed: generated.sealed, offer: try offer(id))),
                case .secrets(let blob, let manifest) = try ceremonyCall(vaults[id], .importSecrets(export)),
                manifest == generated.manifest
            else { throw UnexpectedReply() }
            sealed.append(blob)
        }
        var signatures: [[UInt8]] = []
        for (id, blob) in sealed.enumerated() {
            guard case .signature(let signature) = try ceremonyCall(vaults[id], .signManifest(generated.manifest, sealed: blob))
            else { throw UnexpectedReply() }
            signatures.append(signature)
        }
        for (id, blob) in sealed.enumerated() {
            let reply = try ceremonyCall(vaults[id], .join(generated.manifest, sealed: blob, signatures: signatures))
            guard reply == .joined(memberID: UInt8(id)) else { throw UnexpectedReply() }
        }
        return sealed
    }
}

struct UnexpectedReply: Error {}

@Suite("Realm mode in the chip")
struct RealmChipTests {
    @Test("the ceremony through the command bytes: every chip joins, with one configuration and genesis tail")
    func ceremonyOverCommands() throws {
        let chips = try RealmChips(members: 3)
        for (id, vault) in chips.vaults.enumerated() {
            #expect(try ceremonyCall(vault, .checkDraft(chips.draft)) == .checkDraft(
                memberID: UInt8(id), draftHash: chips.draft.hash(engine: TestEngine(suite: testSuite))))
            #expect(try memberCall(vault, .realmInfo) == .realmInfo(RealmInfo(memberID: nil, tail: nil, configuration: nil, proofBase: nil)))
        }
        _ = try chips.ceremonyAndJoin()
        var tails: [RealmTail] = []
        for (id, vault) in chips.vaults.enumerated() {
            guard case .realmInfo(let info) = try memberCall(vault, .realmInfo) else { throw UnexpectedReply() }
            #expect(info.memberID == UInt8(id) && info.configuration == chips.draft.group.encoded())
            tails.append(try #require(info.tail))
            #expect(vault.isRealmMember)
        }
        #expect(tails.allSatisfy { $0 == tails[0] } && tails[0].index == 0)
        // A member takes no second realm.
        #expect(try ceremonyCall(chips.vaults[0], .generate(chips.draft)) == .failure(status: RealmError.alreadyMember.wireCode))
    }

    @Test("a member refuses the standalone vault's commands (realmMember), but answers GetInfo and Counters")
    func memberRefusesStandaloneCommands() throws {
        let chips = try RealmChips(members: 1)
        _ = try chips.ceremonyAndJoin()
        let vault = chips.vaults[0]
        let client = TestClient(seed: 5)
        #expect(try client.register(vault, id: Array("solo".utf8), password: [1]).status == .realmMember)
        #expect(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0).status == .realmMember)
        #expect(try info(vault).lifecycle == .manufactured)
        #expect(vault.handle(.counters(CountersRequest(firstSlot: 0, count: 0)), channel: 0).status == .ok)
        // And after a restart: the membership is read from the realm area.
        let restarted = try chips.memories[0].boot()
        #expect(restarted.isRealmMember)
        #expect(try client.register(restarted, id: Array("solo".utf8), password: [1]).status == .realmMember)
        guard case .realmInfo(let info) = try memberCall(restarted, .realmInfo) else { throw UnexpectedReply() }
        #expect(info.memberID == 0 && info.tail?.index == 0)
    }

    @Test("a chip provisioned as a standalone vault takes no realm role; RealmInfo says it is no member")
    func provisionedChipTakesNoRealmRole() throws {
        let memories = ChipMemories(slots: 4, seed: 0x77)
        let vault = try operationalVault(memories)
        let draft = try RealmChips.draft(keys: [try info(vault).identityPublicKey], realmID: [UInt8](repeating: 9, count: 16))
        #expect(try ceremonyCall(vault, .checkDraft(draft)) == .failure(status: RealmError.wrongRole.wireCode))
        #expect(try ceremonyCall(vault, .generate(draft)) == .failure(status: RealmError.wrongRole.wireCode))
        #expect(try memberCall(vault, .stepDown) == .failure(status: RealmError.wrongRole.wireCode))
        #expect(try memberCall(vault, .realmInfo) == .realmInfo(RealmInfo(memberID: nil, tail: nil, configuration: nil, proofBase: nil)))
        #expect(!vault.isRealmMember)
    }

    @Test("zeroize erases the realm area through the chip: RealmInfo says no member, the pages read erased")
    func zeroizeErasesRealmArea() throws {
        let chips = try RealmChips(members: 1)
        _ = try chips.ceremonyAndJoin()
        let memory = chips.memories[0]
        let layout = FlashLayout(pageSize: memory.flash.pageSize, geometry: memory.geometry)
        let area = layout.realmFirstPage * layout.pageSize..<layout.chipPages * layout.pageSize
        #expect(area.count == 3 * 1024 && memory.flash.pageCount == layout.chipPages)
        #expect(memory.flash.image[area].contains { $0 != 0xFF }, "the join wrote the realm area")
        let vault = chips.vaults[0]
        try expectOK(vault.handle(.zeroize(ZeroizeRequest(serial: 500)), channel: 0))
        #expect(memory.flash.image[area].allSatisfy { $0 == 0xFF })
        #expect(try memberCall(vault, .realmInfo) == .realmInfo(RealmInfo(memberID: nil, tail: nil, configuration: nil, proofBase: nil)))
        #expect(!vault.isRealmMember)
        let restarted = try memory.boot()
        #expect(try memberCall(restarted, .realmInfo) == .realmInfo(RealmInfo(memberID: nil, tail: nil, configuration: nil, proofBase: nil)))
        #expect(try ceremonyCall(restarted, .generate(chips.draft)) == .failure(status: RealmError.wrongRole.wireCode))
    }

    @Test("an offer signed by a key not in the draft, readdressed to a member's id, is refused (badOfferSignature)")
    func offerFromOutsider() throws {
        let chips = try RealmChips(members: 3, outsiders: 1)
        let generated = try chips.generate()
        // The outsider takes member 1's place in a draft of its own and offers there; then the offer is
        // made to name the real draft: its signature is by a key the real draft does not list.
        var keys = chips.draft.group.members
        keys[1] = try info(chips.vaults[3]).identityPublicKey
        let rival = try RealmChips.draft(keys: keys, realmID: chips.draft.realmID)
        guard case .offer(let offer) = try ceremonyCall(chips.vaults[3], .offer(rival)) else { throw UnexpectedReply() }
        #expect(offer.importerID == 1)
        // As made: for another draft.
        #expect(
            try ceremonyCall(chips.vaults[0], .export(chips.draft, sealed: generated.sealed, offer: offer))
                == .failure(status: RealmCeremonyError.offerForAnotherDraft.wireCode))
        var bytes = offer.encoded()
        bytes.replaceSubrange(0..<32, with: chips.draft.hash(engine: TestEngine(suite: testSuite)))
        let readdressed = try #require(RealmExportOffer(encoded: bytes))
        #expect(
            try ceremonyCall(chips.vaults[0], .export(chips.draft, sealed: generated.sealed, offer: readdressed))
                == .failure(status: RealmCeremonyError.badOfferSignature.wireCode))
        // And the outsider itself cannot take part in the real draft.
        #expect(
            try ceremonyCall(chips.vaults[3], .offer(chips.draft)) == .failure(status: RealmCeremonyError.notAMember.wireCode))
    }

    @Test("a tampered wrap is refused at import, and the offer it answered is used up")
    func tamperedWrap() throws {
        let chips = try RealmChips(members: 3)
        let generated = try chips.generate()
        guard case .export(let export) = try ceremonyCall(
            chips.vaults[0], .export(chips.draft, sealed: generated.sealed, offer: try chips.offer(1)))
        else { throw UnexpectedReply() }
        var bytes = export.encoded()
        bytes[100] ^= 0x01  // the first byte of the wrapped root
        let tampered = try #require(RealmExport(encoded: bytes))
        #expect(
            try ceremonyCall(chips.vaults[1], .importSecrets(tampered))
                == .failure(status: RealmCeremonyError.badExportSignature.wireCode))
        #expect(
            try ceremonyCall(chips.vaults[1], .importSecrets(export))
                == .failure(status: RealmCeremonyError.noPendingImport.wireCode))
        // A fresh offer imports the untouched secret.
        guard case .export(let second) = try ceremonyCall(
            chips.vaults[0], .export(chips.draft, sealed: generated.sealed, offer: try chips.offer(1))),
            case .secrets(_, let manifest) = try ceremonyCall(chips.vaults[1], .importSecrets(second))
        else { throw UnexpectedReply() }
        #expect(manifest == generated.manifest)
    }

    @Test("sealed secrets open on their own chip only; a join needs every member's manifest signature")
    func sealedSecretsAndJoinRefusals() throws {
        let chips = try RealmChips(members: 3)
        let generated = try chips.generate()
        // Member 1 holds member 0's blob: it does not open there.
        #expect(
            try ceremonyCall(chips.vaults[1], .signManifest(generated.manifest, sealed: generated.sealed))
                == .failure(status: RealmCeremonyError.sealedSecretsRefused.wireCode))
        guard case .signature(let signature) = try ceremonyCall(
            chips.vaults[0], .signManifest(generated.manifest, sealed: generated.sealed))
        else { throw UnexpectedReply() }
        #expect(
            try ceremonyCall(chips.vaults[0], .join(generated.manifest, sealed: generated.sealed, signatures: [signature]))
                == .failure(status: RealmCeremonyError.missingManifestSignature.wireCode))
        #expect(
            try ceremonyCall(
                chips.vaults[0], .join(generated.manifest, sealed: generated.sealed, signatures: [signature, signature, signature]))
                == .failure(status: RealmCeremonyError.badManifestSignature(memberID: 0).wireCode))
        #expect(!chips.vaults[0].isRealmMember)
    }

    @Test("ceremony codecs round-trip and refuse what is not canonical")
    func ceremonyCodecs() throws {
        let chips = try RealmChips(members: 3)
        let generated = try chips.generate()
        let offer = try chips.offer(1)
        let requests: [RealmCeremonyRequest] = [
            .checkDraft(chips.draft), .generate(chips.draft), .offer(chips.draft),
            .export(chips.draft, sealed: generated.sealed, offer: offer),
            .signManifest(generated.manifest, sealed: generated.sealed),
            .join(generated.manifest, sealed: generated.sealed, signatures: [[UInt8](repeating: 1, count: 64)]),
        ]
        for request in requests {
            let payload = request.encodedPayload()
            #expect(try RealmCeremonyRequest(command: request.operation.rawValue, payload: payload) == request)
            #expect(throws: RealmLinkError.trailingBytes) {
                try RealmCeremonyRequest(command: request.operation.rawValue, payload: payload + [0])
            }
            #expect(throws: RealmLinkError.truncated) {
                try RealmCeremonyRequest(command: request.operation.rawValue, payload: Array(payload.dropLast()))
            }
            #expect(throws: RealmLinkError.unsupportedVersion) {
                try RealmCeremonyRequest(command: request.operation.rawValue, payload: [0x7F] + payload.dropFirst())
            }
        }
        let reply = RealmCeremonyReply.secrets(sealed: generated.sealed, manifest: generated.manifest)
        #expect(try RealmCeremonyReply(operation: .generate, decoding: reply.encoded()) == reply)
        for error in [RealmCeremonyError.badOfferSignature, .noPendingImport, .sealedSecretsRefused] {
            #expect(RealmCeremonyError(wireCode: error.wireCode) == error)
        }
        #expect(Set(RealmCeremonyOperation.allCases.map(\.rawValue)).isDisjoint(with: RealmOperation.allCases.map(\.rawValue)))
    }
}
