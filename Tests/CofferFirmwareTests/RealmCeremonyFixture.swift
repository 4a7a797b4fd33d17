// Members of a realm ceremony in memory, for RealmCeremonyTests: seeded devices, a draft listing some of
// them, and each member's side of the ceremony.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

/// Devices with seeded identity keys, a draft listing some of them, and each member's ceremony.
struct CeremonyFixture {
    let engine = TestEngine(suite: testSuite)
    let random: SeededEntropy
    /// Every device's keys: the first `memberCount` are the draft's members, the rest outsiders.
    let devices: [DeviceKeys]
    let draft: RealmDraft
    let members: [RealmCeremony<TestEngine>]

    init(seed: UInt64, memberCount: Int = 3, outsiders: Int = 1, defaultAttemptLimit: UInt8 = 5) throws {
        random = SeededEntropy(seed: seed)
        var devices: [DeviceKeys] = []
        for _ in 0..<(memberCount + outsiders) {
            devices.append(try DeviceKeys(uds: random.randomBytes(32), engine: engine))
        }
        self.devices = devices
        let engine = self.engine
        let draft = try Self.draft(
            realmID: random.randomBytes(16), keys: devices.prefix(memberCount).map(\.identityPublicKey),
            defaultAttemptLimit: defaultAttemptLimit)
        self.draft = draft
        members = try devices.prefix(memberCount).map { device in
            try RealmCeremony(
                engine: engine, draft: draft, identityPrivateKey: device.identityPrivateKey, deviceIsTestOnly: true)
        }
    }

    static func draft(
        realmID: [UInt8], keys: [[UInt8]], defaultAttemptLimit: UInt8 = 5, suite: VaultSuite = .p256SHA256,
        isTestRealm: Bool = true
    ) throws -> RealmDraft {
        let group = try #require(
            RealmGroupConfiguration(
                realmID: realmID, groupID: [UInt8](repeating: 0x47, count: 16), configID: 1, members: keys))
        return try #require(
            RealmDraft(
                realmID: realmID, suite: suite, group: group, defaultAttemptLimit: defaultAttemptLimit,
                maxAttemptLimit: 10, isTestRealm: isTestRealm))
    }

    /// The same devices' ceremonies under another draft.
    func ceremonies(under other: RealmDraft) throws -> [RealmCeremony<TestEngine>] {
        try devices.prefix(members.count).map {
            try RealmCeremony(
                engine: engine, draft: other, identityPrivateKey: $0.identityPrivateKey, deviceIsTestOnly: true)
        }
    }

    func entropy() -> [UInt8] { random.randomBytes(32) }

    /// Member 0 generates; the others import from member 0.
    func runImports() throws -> [RealmMemberSecrets] {
        var held = [try members[0].generate(entropy: entropy())]
        for importer in members.dropFirst() {
            let pending = try importer.makeOffer(entropy: entropy())
            let export = try members[0].export(held[0], to: pending.offer, entropy: entropy())
            held.append(try pending.accept(export))
        }
        return held
    }
}
