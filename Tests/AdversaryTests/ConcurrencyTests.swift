import CofferProtocol
import Foundation
import OPAQUE
import Testing

/// Many honest clients at once, each on its own socket and channel: the device serves them one
/// transaction at a time and mixes nothing up.
@Suite struct ConcurrencyTests {
    static let clients = 32
    static let slots: UInt16 = 40

    @Test func thirtyTwoClientsRegisterAndRecoverAtOnceWithoutCrossTalkOrLostUpdates() throws {
        let started = ContinuousClock.now
        let device = try ServedDevice(seed: "c0c0c0c0c0c0c0c0", slots: Int(Self.slots))
        let port = device.port
        var generator = SeededGenerator(seed: 0xC0C0_2026)
        let parties = (0..<Self.clients).map { HonestParty(name: "crowd-\($0)@example.org", generator: &generator) }

        typealias Outcome = Handoff<(HonestVaultClient, SecretBytes)>
        let outcomes = Crowd(size: Self.clients).run(seconds: 60) { index, gate -> Outcome in
            let client = try parties[index].client(port: port)
            gate()
            // Limit 255: logins the full pending-login table drops stay counted, and must not
            // destroy the record while 32 clients compete for 8 pending logins.
            try client.register(backupKey: SecretBytes(parties[index].backupKey), attemptLimit: 255)
            return Handoff(value: (client, try client.recover()))
        }

        var clients: [HonestVaultClient] = []
        for (index, outcome) in outcomes.enumerated() {
            let (client, recovered) = try #require(outcome, "client \(index) still running at the deadline").get().value
            // No cross-talk: each gets its own key, not another client's.
            #expect(constantTimeEqual(recovered.bytes, parties[index].backupKey), "client \(index) got another key")
            clients.append(client)
        }
        try #require(clients.count == Self.clients)
        #expect(Set(parties.map(\.backupKey)).count == Self.clients)

        // No lost update: every record present, each slot's counters exactly its client's tally.
        var auditGenerator = generator.split()
        let observer = HonestVaultClient(
            channel: try PatientChannel(port: port, generator: auditGenerator.split()), credentialID: [0x6F],
            password: SecretBytes([0x6F]), generator: auditGenerator)
        let info = try GetInfoResponse(decoding: observer.call(.getInfo))
        #expect(info.recordCount == UInt16(Self.clients) && info.damagedCount == 0 && info.tombstoneCount == 0)
        try CounterAudit(observer: observer).check(
            clients, keys: parties.map { SecretBytes($0.backupKey) }, slotCount: Self.slots)
        let report = try device.stopAndInspect()
        #expect(report.records == Self.clients && report.damaged == 0 && report.unknownLogins == 0)
        let loginsStarted = clients.map(\.tally.loginsStarted).reduce(0, +)
        #expect(report.usedSlots.map(\.attempts).reduce(0, +) == loginsStarted)

        let channels = clients.map(\.channel.statistics).reduce(ChannelStatistics(), +)
        let restarts = clients.map(\.tally.restartedLogins).reduce(0, +)
        print(
            "concurrency: \(Self.clients) clients, \(Self.clients * 2) operations at once + \(Self.clients) audits, "
                + "\(loginsStarted) LoginStarts, \(restarts) logins restarted (pending table full), "
                + "\(channels.exchanges) exchanges, \(channels.busyRetries) busy retries, "
                + "\(channels.reopened) channels reopened; \(ContinuousClock.now - started)")
    }
}
