// Agents over real loopback HTTP with memory-chip members and an in-memory store: the vault through
// `POST /v1/vault` with the real OPAQUE client, the guess limit, take-over, a lost majority (503, no
// guess spent) and its return (catch-up). Deterministic: conditions polled with deadlines, no sleeps.

import CofferFirmware
import CofferHost
import CofferProtocol
import CofferRealmAgent
import Foundation
import Testing

/// Runs `body` on a fresh group and always shuts the agents down.
func withRealm(
    members: Int, limit: UInt8 = 3, timing: RealmAgentTiming = testTiming, _ body: (RealmHarness) async throws -> Void
) async throws {
    let realm = try RealmHarness(members: members, limit: limit, timing: timing)
    do {
        try await realm.startAll()
        try await body(realm)
    } catch {
        await realm.shutdown()
        throw error
    }
    await realm.shutdown()
}

let key = (0..<32).map { UInt8($0) }

@Suite("Realm agents over HTTP", .serialized)
struct RealmAgentTests {
    @Test("3 members: register, then recover the key through POST /v1/vault")
    func registerAndRecover() async throws {
        try await withRealm(members: 3) { realm in
            try await realm.waitForLeader()
            let client = await realm.realmClient(channel: 7)
            try await client.register("alice", password: "right", key: key)
            #expect(try await client.recover("alice", password: "right") == key)
            // Every member captured the entries (catch-up or witness), so each holds the tail.
            let last = try await realm.lastIndex()
            try await realm.waitUntil("every member at the store's last entry") {
                await realm.tails() == Array(repeating: last, count: 3)
            }
        }
    }

    @Test("wrong guesses to destruction: exactly `limit` KE2s released, then the record is destroyed")
    func guessLimit() async throws {
        try await withRealm(members: 3, limit: 3) { realm in
            try await realm.waitForLeader()
            let owner = await realm.realmClient(channel: 1)
            try await owner.register("bob", password: "right", key: key)
            // Registering deposits the key with one login of the owner's own.
            let ownerKE2s = owner.transport.ke2Released
            let guesser = await realm.realmClient(channel: 2)
            for _ in 0..<3 {
                let error = await guesser.recoverError("bob", password: "wrong")
                #expect(error != nil)
            }
            #expect(guesser.transport.ke2Released == 3)
            // The fourth LoginStart, even with the right password, finds the record destroyed.
            let fourth = await owner.recoverError("bob", password: "right")
            guard case .keyDestroyed? = fourth as? VaultError else {
                Issue.record("expected keyDestroyed, got \(String(describing: fourth))")
                return
            }
            #expect(owner.transport.ke2Released == ownerKE2s)
            #expect(guesser.transport.ke2Released == 3)
        }
    }

    @Test("the leader's agent stops: another member takes over and serves")
    func takeOver() async throws {
        try await withRealm(members: 3) { realm in
            let first = try await realm.waitForLeader()
            let client = await realm.realmClient(channel: 3)
            try await client.register("carol", password: "right", key: key)
            await realm.stopAgent(first)
            let second = try await realm.waitForLeader(excluding: [first])
            #expect(second != first)
            client.transport.use(agents: realm.addresses)
            #expect(try await client.recover("carol", password: "right") == key)
            let last = try await realm.lastIndex()
            let bytes = try #require(await realm.store.entry(group: realm.group, index: last))
            #expect(RealmLogEntry(decoding: bytes)?.leader == UInt8(second))
        }
    }

    @Test("2 of 3 agents stop: 503, nothing appended, no KE2; back again: they catch up and serve")
    func lostMajority() async throws {
        try await withRealm(members: 3) { realm in
            let leader = try await realm.waitForLeader()
            let client = await realm.realmClient(channel: 4)
            try await client.register("dave", password: "right", key: key)
            let others = (0..<3).filter { $0 != leader }
            for index in others { await realm.stopAgent(index) }
            try await realm.waitUntil("the leader to see no peer") {
                await realm.servers[leader]!.agent.status().reachable.isEmpty
            }
            let before = try await realm.lastIndex()
            let ke2s = client.transport.ke2Released
            let refused = await client.recoverError("dave", password: "right")
            #expect(refused != nil)
            #expect(client.transport.httpFailures.last == 503)
            #expect(try await realm.lastIndex() == before)
            #expect(client.transport.ke2Released == ke2s)

            for index in others { try await realm.startAgent(index) }
            try await realm.waitForLeader()
            client.transport.use(agents: realm.addresses)
            #expect(try await client.recover("dave", password: "right") == key)
            let last = try await realm.lastIndex()
            try await realm.waitUntil("the returned members to catch up") {
                await realm.tails().enumerated().allSatisfy { !others.contains($0.offset) || $0.element == last }
            }
        }
    }

    @Test("5 members in 3 data centers: a data center of 2 stops and it serves; a third stops: 503")
    func fiveMembers() async throws {
        try await withRealm(members: 5) { realm in
            let leader = try await realm.waitForLeader()
            let client = await realm.realmClient(channel: 5)
            try await client.register("erin", password: "right", key: key)
            // A whole data center of two, the leader's included.
            let partner = (0..<5).first { $0 != leader }!
            await realm.stopAgent(leader)
            await realm.stopAgent(partner)
            let next = try await realm.waitForLeader(excluding: [leader, partner])
            client.transport.use(agents: realm.addresses)
            #expect(try await client.recover("erin", password: "right") == key)
            let third = (0..<5).first { ![leader, partner, next].contains($0) }!
            await realm.stopAgent(third)
            try await realm.waitUntil("the leader to see fewer than a majority") {
                await realm.servers[next]!.agent.status().reachable.count + 1 < 3
            }
            let before = try await realm.lastIndex()
            #expect(await client.recoverError("erin", password: "right") != nil)
            #expect(client.transport.httpFailures.last == 503)
            #expect(try await realm.lastIndex() == before)
            for index in [leader, partner, third] { try await realm.startAgent(index) }
            try await realm.waitForLeader()
            client.transport.use(agents: realm.addresses)
            #expect(try await client.recover("erin", password: "right") == key)
        }
    }

    @Test("a member that lost its tail jumps on the other members' statements, then votes again")
    func jumpAfterLostTail() async throws {
        try await withRealm(members: 3) { realm in
            let leader = try await realm.waitForLeader()
            let client = await realm.realmClient(channel: 6)
            try await client.register("frank", password: "right", key: key)
            let (lost, other) = leader == 0 ? (1, 2) : (0, leader == 1 ? 2 : 1)
            #expect(try await realm.restartLosingTail(lost))
            let last = try await realm.lastIndex()
            try await realm.waitUntil("the member to jump to the store's last entry") {
                await realm.tails()[lost] == last
            }
            // With the other follower stopped, every commit needs the member that jumped.
            await realm.stopAgent(other)
            try await realm.waitForLeader()
            client.transport.use(agents: realm.addresses)
            #expect(try await client.recover("frank", password: "right") == key)
            #expect(try await realm.lastIndex() > last)
        }
    }
}
