// A figure, not a timing assertion: committed LoginStarts per second through the agents' HTTP API
// with 3 members in-process, each recovery checked for its key.

import CofferRealmAgent
import Foundation
import Testing

@Suite("Realm agents under load", .serialized)
struct RealmAgentLoadTests {
    @Test("8 concurrent clients recover 10 times each through 3 members; every key comes back")
    func concurrentRecoveries() async throws {
        // Heartbeats as in a deployment (status probes are not what is measured).
        var timing = testTiming
        timing.heartbeat = .milliseconds(250)
        timing.peerFreshness = .seconds(3)
        try await withRealm(members: 3, limit: 10, timing: timing) { realm in
            try await realm.waitForLeader()
            var clients: [RealmClient] = []
            for index in 0..<8 {
                let client = await realm.realmClient(channel: UInt32(100 + index))
                try await client.register("load-\(index)", password: "pw-\(index)", key: key)
                clients.append(client)
            }
            let startIndex = try await realm.lastIndex()
            let registrationKE2s = clients.map(\.transport.ke2Released).reduce(0, +)
            let clock = ContinuousClock()
            let began = clock.now
            let recovered = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for (index, client) in clients.enumerated() {
                    tasks.addTask {
                        var good = 0
                        for _ in 0..<10 where try await client.recover("load-\(index)", password: "pw-\(index)") == key {
                            good += 1
                        }
                        return good
                    }
                }
                return try await tasks.reduce(0, +)
            }
            let elapsed = clock.now - began
            #expect(recovered == 80)
            #expect(clients.map(\.transport.ke2Released).reduce(0, +) - registrationKE2s == 80)
            let entries = try await realm.lastIndex() - startIndex
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "realm agents, 3 members in-process over loopback HTTP: 80 recoveries (80 committed LoginStarts, "
                    + "240 requests) in \(entries) entries, \(String(format: "%.1f", 80 / seconds)) LoginStarts/s")
        }
    }
}
