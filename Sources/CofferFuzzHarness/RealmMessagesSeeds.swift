import CofferCrypto
import CofferFirmware
import CofferProtocol

/// Seed inputs for `realm-messages`, made by the real encoders: entries with no change, a put and a
/// removal, a statement, a tail, configurations of 1 and 5 members, a draft and messages of the
/// ceremony's lengths.
enum RealmMessagesSeeds {
    static var all: [FuzzSeed] {
        let engine = RealmMessagesHarness.engine
        func seed(_ name: String, _ kind: RealmMessagesHarness.Kind, _ bytes: [UInt8]) -> FuzzSeed {
            FuzzSeed(name: name, bytes: [kind.rawValue] + bytes)
        }
        let keys = (0..<5).map { index -> [UInt8] in
            (try? engine.ecdsaPublicKey(privateKey: engine.sha256([UInt8(index)]))) ?? []
        }
        let single = RealmGroupConfiguration(
            realmID: [UInt8](repeating: 1, count: 16), groupID: [UInt8](repeating: 2, count: 16), configID: 1,
            members: [keys[0]])!
        let five = RealmGroupConfiguration(
            realmID: [UInt8](repeating: 1, count: 16), groupID: [UInt8](repeating: 2, count: 16), configID: 7,
            members: keys)!
        let root = RecordTree().rootHash(engine)
        let genesis = RealmTail.genesis(five, engine: engine)
        func entry(_ changes: [RealmChange]) -> [UInt8] {
            RealmLogEntry.make(
                configuration: five, index: 1, previousHash: genesis.entryHash, newRoot: root, leader: 2,
                changes: changes, macKey: RealmMessagesHarness.macKey, engine: engine
            ).encoded()
        }
        let key = engine.sha256([0x6B])
        let statement = RealmStatement.make(
            five, member: 3, index: 1, entryHash: engine.sha256([1]), macKey: RealmMessagesHarness.macKey,
            engine: engine)
        var seeds = [
            seed("entry-empty", .entry, entry([])),
            seed("entry-put", .entry, entry([RealmChange(key: key, leaf: [UInt8](repeating: 0x4C, count: 90))])),
            seed("entry-remove", .entry, entry([RealmChange(key: key, leaf: nil)])),
            seed("statement", .statement, statement.encoded()),
            seed("tail", .tail, genesis.encoded()),
            seed("configuration-1", .configuration, single.encoded()),
            seed("configuration-5", .configuration, five.encoded()),
        ]
        let offer = engine.sha256([2]) + [1] + keys[1] + [UInt8](repeating: 0x51, count: 64)
        let export =
            engine.sha256([3]) + [0, 1] + keys[1] + keys[2] + [UInt8](repeating: 0x57, count: 40)
            + [UInt8](repeating: 0x53, count: 64)
        if let draft = RealmDraft(
            realmID: five.realmID, suite: .p256SHA256, group: five, defaultAttemptLimit: 10,
            maxAttemptLimit: 20, isTestRealm: true)
        {
            seeds.append(seed("draft", .draft, draft.encoded()))
            seeds.append(seed("manifest", .manifest, draft.encoded() + keys[1]))
            if let manifest = RealmManifest(encoded: draft.encoded() + keys[1]),
                let offer = RealmExportOffer(encoded: offer), let export = RealmExport(encoded: export)
            {
                seeds += ceremonySeeds(draft: draft, manifest: manifest, offer: offer, export: export)
            }
        }
        seeds.append(seed("offer", .offer, offer))
        seeds.append(seed("export", .export, export))
        seeds += linkSeeds(entry: RealmLogEntry(decoding: entry([RealmChange(key: key, leaf: [0x4C, 0x4D])]))!,
                           statement: statement, tail: genesis, configuration: five, engine: engine)
        return seeds
    }

    /// One request and one reply of every ceremony command, from the real encoders.
    static func ceremonySeeds(
        draft: RealmDraft, manifest: RealmManifest, offer: RealmExportOffer, export: RealmExport
    ) -> [FuzzSeed] {
        typealias Kind = RealmMessagesHarness.Kind
        let sealed = [RealmSealedSecrets.formatVersion] + [UInt8](repeating: 0x5E, count: RealmSealedSecrets.sealedLength - 1)
        let signature = [UInt8](repeating: 0x5A, count: RealmCeremonyLink.signatureLength)
        let requests: [(Kind, RealmCeremonyRequest)] = [
            (.checkDraftRequest, .checkDraft(draft)),
            (.generateRequest, .generate(draft)),
            (.offerRequest, .offer(draft)),
            (.exportRequest, .export(draft, sealed: sealed, offer: offer)),
            (.importRequest, .importSecrets(export)),
            (.signManifestRequest, .signManifest(manifest, sealed: sealed)),
            (.joinRequest, .join(manifest, sealed: sealed, signatures: [signature, signature, signature, signature, signature])),
        ]
        let replies: [(Kind, RealmCeremonyReply)] = [
            (.checkDraftReply, .checkDraft(memberID: 2, draftHash: draft.encoded().prefix(32).map { $0 })),
            (.generateReply, .secrets(sealed: sealed, manifest: manifest)),
            (.offerReply, .offer(offer)),
            (.exportReply, .export(export)),
            (.importReply, .secrets(sealed: sealed, manifest: manifest)),
            (.signManifestReply, .signature(signature)),
            (.joinReply, .joined(memberID: 4)),
        ]
        var seeds: [FuzzSeed] = []
        for (kind, request) in requests {
            seeds.append(FuzzSeed(name: "ceremony-\(kind)", bytes: [kind.rawValue] + request.encodedPayload()))
        }
        for (kind, reply) in replies {
            seeds.append(FuzzSeed(name: "ceremony-\(kind)", bytes: [kind.rawValue] + reply.encoded()))
        }
        seeds.append(FuzzSeed(name: "ceremony-failure", bytes: [Kind.exportReply.rawValue, 0x2A]))
        return seeds
    }

    /// One request and one reply of every link command, from the real encoders.
    static func linkSeeds(
        entry: RealmLogEntry, statement: RealmStatement, tail: RealmTail, configuration: RealmGroupConfiguration,
        engine: OpenSSLCryptoEngine<P256SHA256Suite>
    ) -> [FuzzSeed] {
        typealias Kind = RealmMessagesHarness.Kind
        let requests = [
            RealmRequest(handle: 1, channel: 7, request: .getInfo),
            RealmRequest(
                handle: 2, channel: 7,
                request: .loginStart(LoginStartRequest(credentialID: Array("owner".utf8), ke1: engine.sha256([9]) + engine.sha256([8])))),
        ]
        var tree = RecordTree()
        try? tree.upsert(RecordKey(engine.sha256([0x6B]))!, valueHash: engine.sha256([0x6C]))
        let responses = [
            RealmResponse(handle: 1, reply: VaultReply(status: .ok, body: [1, 2, 3])),
            RealmResponse(handle: 2, reply: VaultReply(status: .abandoned)),
        ]
        let linkRequests: [(Kind, RealmLinkRequest)] = [
            (.realmInfoRequest, .realmInfo),
            (.treeKeysRequest, .treeKeys(requests: requests)),
            (.proposeRequest, .propose(requests: requests, proof: tree.encoded(), leaves: [[UInt8](repeating: 0x4C, count: 40)])),
            (.captureRequest, .capture(entry: entry)),
            (.commitRequest, .commit(statements: [statement, statement])),
            (.stepDownRequest, .stepDown),
            (.tailStatementRequest, .tailStatement),
            (.jumpRequest, .jump(entry: entry, certificate: [statement])),
        ]
        let linkReplies: [(Kind, RealmLinkReply)] = [
            (.realmInfoReply, .realmInfo(RealmInfo(memberID: 1, tail: tail, configuration: configuration.encoded(), proofBase: tail))),
            (.treeKeysReply, .treeKeys([engine.sha256([1]), engine.sha256([2])])),
            (.proposeReply, .propose(entry)),
            (.captureReply, .capture(statement: statement, abandoned: responses)),
            (.commitReply, .commit(released: responses)),
            (.stepDownReply, .stepDown(abandoned: responses)),
            (.tailStatementReply, .tailStatement(statement)),
            (.jumpReply, .jump),
        ]
        var seeds: [FuzzSeed] = []
        for (kind, request) in linkRequests {
            seeds.append(FuzzSeed(name: "link-\(kind)", bytes: [kind.rawValue] + request.encodedPayload()))
        }
        for (kind, reply) in linkReplies {
            seeds.append(FuzzSeed(name: "link-\(kind)", bytes: [kind.rawValue] + reply.encoded()))
        }
        seeds.append(FuzzSeed(name: "link-failure", bytes: [Kind.captureReply.rawValue, 0x08]))
        return seeds
    }
}
