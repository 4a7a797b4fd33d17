import CofferProtocol
import Foundation
import OPAQUE
import Testing

/// A bounded flood of junk from many source ports on 127.0.0.1, with honest clients registering and
/// recovering in the middle of it.
@Suite struct StormTests {
    static let honestParties = 6
    static let floods = 3
    static let plan = FloodPlan(
        datagrams: 4_000, window: 32, sourcePorts: 16, stalls: 1, deadlineMilliseconds: 30_000)
    /// Recovers per honest client at most: they keep going while the flood lasts.
    static let maximumRecovers = 40

    enum Participant {
        case flood(FloodReport)
        case honest(HonestVaultClient, recovered: [SecretBytes])
    }

    @Test func honestClientsGetThroughAJunkFloodWithExactKeysAndCounters() throws {
        let started = ContinuousClock.now
        let device = try ServedDevice(seed: "57023e5757023e57", slots: 16)
        let port = device.port
        var generator = SeededGenerator(seed: 0x5707_2026)
        let parties = (0..<Self.honestParties).map { HonestParty(name: "storm-\($0)", generator: &generator) }
        let floodGenerators = (0..<Self.floods).map { _ in generator.split() }
        let floodsDone = Countdown(Self.floods)

        let outcomes = Crowd(size: Self.floods + Self.honestParties).run(seconds: 60) { index, gate -> Participant in
            if index < Self.floods {
                let flood = try Flood(port: port, plan: Self.plan, generator: floodGenerators[index])
                gate()
                defer { floodsDone.tick() }
                return .flood(flood.run { false })
            }
            let party = parties[index - Self.floods]
            let client = try party.client(port: port)
            gate()
            try client.register(backupKey: SecretBytes(party.backupKey), attemptLimit: 255)
            var recovered: [SecretBytes] = []
            repeat {
                recovered.append(try client.recover())
            } while !floodsDone.done.isRaised && recovered.count < Self.maximumRecovers
            return .honest(client, recovered: recovered)
        }

        var flood = FloodReport()
        var clients: [HonestVaultClient] = []
        var operations = 0
        for (index, outcome) in outcomes.enumerated() {
            switch try #require(outcome, "participant \(index) still running at the deadline").get() {
            case .flood(let report):
                flood = flood + report
            case .honest(let client, let recovered):
                let party = parties[clients.count]
                for key in recovered {
                    #expect(constantTimeEqual(key.bytes, party.backupKey), "\(party.credentialID): wrong key back")
                }
                operations += 1 + recovered.count
                clients.append(client)
            }
        }
        // The flood ran to its count (not cut by its deadline), and every probe came back: nothing
        // was lost on the way, so every refusal above was the device's own.
        #expect(flood.total == Self.floods * Self.plan.datagrams)
        #expect(flood.probesLost == 0)
        #expect(flood.sent[.stalledMessage] == Self.floods * Self.plan.stalls)

        // Still serving, and the state is intact: every record, no damage, no stray login, and
        // each slot's counters exactly what its own client caused.
        var auditGenerator = generator.split()
        let observer = HonestVaultClient(
            channel: try PatientChannel(port: port, generator: auditGenerator.split()), credentialID: [0x6F],
            password: SecretBytes([0x6F]), generator: auditGenerator)
        let info = try GetInfoResponse(decoding: observer.call(.getInfo))
        #expect(info.recordCount == UInt16(Self.honestParties))
        #expect(info.damagedCount == 0 && info.tombstoneCount == 0)
        try CounterAudit(observer: observer).check(
            clients, keys: parties.map { SecretBytes($0.backupKey) }, slotCount: 16)
        let report = try device.stopAndInspect()
        #expect(report.lifecycle == "operational")
        #expect(report.records == Self.honestParties && report.damaged == 0 && report.tombstones == 0)
        #expect(report.unknownLogins == 0)

        let channels = clients.map(\.channel.statistics).reduce(ChannelStatistics(), +)
        let restarts = clients.map(\.tally.restartedLogins).reduce(0, +)
        print(
            "storm: \(flood.total) junk datagrams (\(JunkKind.allCases.map { "\($0.rawValue) \(flood.sent[$0] ?? 0)" }.joined(separator: ", "))), "
                + "\(flood.probesAnswered) probes, \(flood.stallsTimedOut) stall timeouts seen; "
                + "\(operations) honest operations (\(Self.honestParties) registers, "
                + "\(operations - Self.honestParties) recovers), \(channels.exchanges) exchanges, "
                + "\(channels.busyRetries) busy retries, \(channels.reopened) channels reopened, "
                + "\(restarts) logins restarted; \(ContinuousClock.now - started)")
    }
}
