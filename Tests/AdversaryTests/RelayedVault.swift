import CofferProtocol
import Foundation
import OPAQUE
import Testing

/// A device, a blind relay in front of it, an honest client that talks only through the relay, and
/// an observer that reads the device's counters directly (not through the relay).
final class RelayedVault {
    let device: ServedDevice
    let relay: BlindRelay
    let client: HonestVaultClient
    let observer: HonestVaultClient
    let backupKey: SecretBytes

    init(seed: UInt64, name: String) throws {
        device = try ServedDevice(seed: String(format: "%016llx", seed), slots: 4)
        relay = try BlindRelay(devicePort: device.port)
        var generator = SeededGenerator(seed: seed)
        let party = HonestParty(name: name, generator: &generator)
        backupKey = SecretBytes(party.backupKey)
        client = try party.client(port: relay.port)
        var observerGenerator = generator.split()
        observer = HonestVaultClient(
            channel: try PatientChannel(port: device.port, generator: observerGenerator.split()),
            credentialID: [0x6F], password: SecretBytes([0x6F]), generator: observerGenerator)
    }

    deinit {
        relay.stop()
    }

    /// The counters of the client's slot (the only record: slot 0).
    func slotCounters() throws -> SlotCounters {
        try #require(CounterAudit(observer: observer).counters(count: 1).first)
    }

    /// The device's counters must be exactly what the client's logins caused.
    func expectCountersMatchTheClient(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let counters = try slotCounters()
        #expect(
            counters == SlotCounters(version: client.tally.slotWrites, attempts: client.tally.loginsStarted),
            "device \(counters), client \(client.tally)", sourceLocation: sourceLocation)
    }

    /// Runs `body` with `tamper` armed, and checks that the tamper changed a message.
    @discardableResult
    func tampered<T>(_ tamper: MessageTamper, _ body: () throws -> T) rethrows -> T {
        relay.arm(tamper)
        defer { #expect(relay.tamperFired, "the relay saw no message to change") }
        return try body()
    }
}
