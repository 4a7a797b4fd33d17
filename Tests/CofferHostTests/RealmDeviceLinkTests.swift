// A realm of three members as one system, driven by RealmDeviceLink (the agent's typed calls): the
// ceremony over the devices' own commands, every member joined, then vault requests each run as one
// batch (propose → capture on each member → commit) and answered only by the commit. In process over
// memory chips (fast), and as three real `coffer-emulator` processes over UDP, one of them restarted.

import CTAPHID
import CofferCrypto
import CofferEmulator
import CofferFirmware
import CofferMemoryChip
import CofferProtocol
import CofferTestSupport
import Testing

@testable import CofferHost

typealias RealmMemoryBoard = ChipBoard<
    MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, OpenSSLCryptoEngine<P256SHA256Suite>
>

/// A chip on memories that outlive its boots, reached through CTAPHID in process.
final class RealmMemoryDevice {
    let memories = MemoryChip(geometry: StoreGeometry(slotCount: 4))
    private let seed: UInt64
    private var boots: UInt64 = 0
    private(set) var chip: CofferChip<RealmMemoryBoard>

    init(seed: UInt64) throws {
        self.seed = seed
        chip = try Self.boot(memories, seed: seed, boot: 0)
        let reply = chip.vault.handle(.manufacture(ManufactureRequest(serial: 7000 + seed)), channel: 0)
        try #require(reply.status == .ok)
    }

    static func boot(_ memories: MemoryChip, seed: UInt64, boot: UInt64) throws -> CofferChip<RealmMemoryBoard> {
        try CofferChip(
            board: memories.board(entropy: SeededEntropy(seed: seed &* 7919 &+ boot), engine: OpenSSLCryptoEngine(suite: P256SHA256Suite())),
            configuration: memories.configuration)
    }

    /// Power off and on: a new firmware instance on the same memories.
    func restart() throws {
        boots += 1
        chip = try Self.boot(memories, seed: seed, boot: boots)
    }

    func link() throws -> RealmDeviceLink {
        RealmDeviceLink(
            transport: try CTAPHIDTransport(link: EmbeddedLink(endpoint: chip, deviceName: "member-\(seed)")))
    }
}

/// The vault test client whose every request is one batch of `agent`'s group.
func realmClient(_ agent: RealmTestAgent) -> VaultTestClient {
    VaultTestClient(link: { request in try agent.run(request) })
}

/// Register, deposit, recover, a wrong password: the realm answers as a device would.
func exerciseVault(_ agent: RealmTestAgent, id: String) throws {
    let client = realmClient(agent)
    let credential = Array(id.utf8)
    let backupKey = [UInt8](repeating: 0xB7, count: 32)
    #expect(try client.register(credential, attemptLimit: 0) == 3)
    #expect(try client.deposit(credential, backupKey: backupKey) == .done)
    #expect(try client.recover(credential) == .recovered(backupKey))
    #expect(
        try client.login(credential, intent: .recover, password: Array("wrong".utf8))
            == .wrongPassword(attemptsRemaining: 2))
    #expect(try client.recover(credential) == .recovered(backupKey))
}

@Suite("Realm devices over RealmDeviceLink")
struct RealmDeviceLinkTests {
    @Test("in process: the ceremony through the chips' commands, three joins, vault requests committed by the group")
    func inProcessGroup() throws {
        let devices = try (1...3).map { try RealmMemoryDevice(seed: UInt64($0)) }
        let agent = RealmTestAgent(links: try devices.map { try $0.link() })
        let draft = try agent.draft(realmID: [UInt8](repeating: 0xA1, count: 16))
        try agent.ceremony(draft)
        for (id, link) in agent.links.enumerated() {
            let info = try link.info()
            #expect(info.memberID == UInt8(id) && info.tail?.index == 0)
            #expect(info.configuration == draft.group.encoded())
        }
        try exerciseVault(agent, id: "alice")
        let tails = try agent.links.map { try $0.info().tail }
        #expect(tails.allSatisfy { $0 == tails[0] } && tails[0]?.index == UInt64(agent.log.count))
        #expect(tails[0]?.root == agent.tree.rootHash(agent.engine))

        // A follower restarts: its membership and tail are on its flash and counters, and it captures on.
        try devices[2].restart()
        let restarted = try devices[2].link()
        #expect(try restarted.info().memberID == 2 && restarted.info().tail == tails[0])
        let again = RealmTestAgent(links: [agent.links[0], agent.links[1], restarted])
        again.adopt(agent)
        #expect(try realmClient(again).recover(Array("alice".utf8)) == .recovered([UInt8](repeating: 0xB7, count: 32)))
        #expect(try restarted.info().tail?.index == UInt64(again.log.count))
    }

    @Test("three coffer-emulator processes over UDP: ceremony, joins, committed vault requests, a member restarted")
    func emulatorGroup() throws {
        let workspace = TemporaryDirectory()
        func serve(_ id: Int) throws -> (EmulatorProcess, RealmDeviceLink) {
            let process = try EmulatorProcess(
                [
                    "serve", "--state-dir", workspace.file("member\(id)"), "--port", "0", "--ready-file",
                    workspace.file("ready\(id)"), "--seed", "5eed0\(id)", "--slots", "4", "--realm-member",
                ], stderrPath: workspace.file("member\(id).log"))
            let port = try process.waitUntilReady().port
            return (process, RealmDeviceLink(transport: try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: port))))
        }
        var members = try (0..<3).map { try serve($0) }
        let agent = RealmTestAgent(links: members.map(\.1))
        try agent.ceremony(try agent.draft(realmID: [UInt8](repeating: 0xE2, count: 16)))
        try exerciseVault(agent, id: "bob")
        let tail = try agent.links[1].info().tail
        #expect(tail?.index == UInt64(agent.log.count))

        #expect(members[1].0.stop() == 0, "member 1 did not stop cleanly: \(members[1].0.stderr)")
        try? workspace.remove("ready1")
        members[1] = try serve(1)
        let restarted = members[1].1
        #expect(try restarted.info().memberID == 1 && restarted.info().tail == tail)
        let again = RealmTestAgent(links: members.map(\.1))
        again.adopt(agent)
        #expect(try realmClient(again).recover(Array("bob".utf8)) == .recovered([UInt8](repeating: 0xB7, count: 32)))
        for (process, _) in members { #expect(process.stop() == 0) }
    }
}
