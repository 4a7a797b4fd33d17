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
        if let draft = RealmDraft(
            realmID: five.realmID, suite: .p256SHA256, group: five, defaultAttemptLimit: 10,
            maxAttemptLimit: 20, isTestRealm: true)
        {
            seeds.append(seed("draft", .draft, draft.encoded()))
            seeds.append(seed("manifest", .manifest, draft.encoded() + keys[1]))
        }
        seeds.append(seed("offer", .offer, engine.sha256([2]) + [1] + keys[1] + [UInt8](repeating: 0x51, count: 64)))
        seeds.append(
            seed("export", .export,
                 engine.sha256([3]) + [0, 1] + keys[1] + keys[2] + [UInt8](repeating: 0x57, count: 40)
                    + [UInt8](repeating: 0x53, count: 64)))
        return seeds
    }
}
