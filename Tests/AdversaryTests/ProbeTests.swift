import CofferProtocol
import OPAQUE
import Testing

/// Issue 9, finding 7: what someone who may send requests, but is not the device's operator, learns
/// about whether an id has a record, and what it costs.
@Suite struct ProbeTests {
    /// Per-slot counters once showed which slot a probe's login moved. A device that the operator
    /// did not start with `--slot-counters` answers them `operatorOnly`, and its device-wide counters
    /// do not tell a real login from a fake one.
    @Test func perSlotCountersAreRefusedToAnyoneButTheOperator() throws {
        let device = try ServedDevice(seed: "9e0be1", slots: 4, slotCounters: false)
        var generator = SeededGenerator(seed: 0x9E0B_E1)
        let owner = HonestVaultClient(
            channel: try PatientChannel(port: device.port, generator: generator.split()), credentialID: Array("real".utf8),
            password: SecretBytes(Array("pw".utf8)), generator: generator.split())
        try owner.register(backupKey: SecretBytes([UInt8](repeating: 3, count: 32)), attemptLimit: 0)
        let prober = HonestVaultClient(
            channel: try PatientChannel(port: device.port, generator: generator.split()), credentialID: Array("real".utf8),
            password: SecretBytes(Array("guess".utf8)), generator: generator.split())
        #expect(try prober.send(.counters(CountersRequest(firstSlot: 0, count: 4))).status == .operatorOnly)
        let before = try CountersResponse(decoding: prober.call(.counters(CountersRequest(firstSlot: 0, count: 0))))
        #expect(throws: ClientRefusal.self) { _ = try prober.recover() }
        let after = try CountersResponse(decoding: prober.call(.counters(CountersRequest(firstSlot: 0, count: 0))))
        #expect(after == before, "a login moved a device-wide counter the prober can see")
    }

    /// The attempts remaining that LoginStart tells every caller (so an owner who mistyped knows how
    /// many tries are left) let a prober tell a real id from an unknown one: an unknown id always
    /// answers what a fresh record at the default limit would, a real record counts down. Measured
    /// here: two probes tell them apart, and they cost the real record exactly two of its guesses
    /// (docs/THREATS.md says so; a record with attempts already used, or another limit, shows at the
    /// first probe).
    @Test func twoProbesTellARealIdFromAnUnknownOneAndCostItTwoGuesses() throws {
        let device = try ServedDevice(seed: "9e0be2", slots: 4)
        var generator = SeededGenerator(seed: 0x9E0B_E2)
        let owner = HonestVaultClient(
            channel: try PatientChannel(port: device.port, generator: generator.split()), credentialID: Array("real".utf8),
            password: SecretBytes(Array("pw".utf8)), generator: generator.split())
        try owner.register(backupKey: SecretBytes([UInt8](repeating: 4, count: 32)), attemptLimit: 0)
        func probes(_ id: String) throws -> [UInt8?] {
            let prober = HonestVaultClient(
                channel: try PatientChannel(port: device.port, generator: generator.split()), credentialID: Array(id.utf8),
                password: SecretBytes(Array("guess".utf8)), generator: generator.split())
            return try (0..<2).map { _ in
                #expect(throws: ClientRefusal.self) { _ = try prober.recover() }
                return prober.lastAttemptsRemaining
            }
        }
        let attemptsBefore = try device.attempts(ofSlot: 0)
        let real = try probes("real")
        let unknown = try probes("ghost")
        #expect(unknown == [9, 9], "an unknown id answers as a fresh record at the default limit, always")
        #expect(real == [9, 8], "a real record counts down")
        #expect(real != unknown, "two probes tell them apart")
        #expect(try device.attempts(ofSlot: 0) == attemptsBefore + 2, "the two probes cost the record two guesses")
    }
}

extension ServedDevice {
    /// The attempt counter of `slot`, as the operator sees it.
    func attempts(ofSlot slot: UInt16) throws -> UInt32 {
        var generator = SeededGenerator(seed: UInt64(slot) &+ 0x0BE5)
        let operatorClient = HonestVaultClient(
            channel: try PatientChannel(port: port, generator: generator.split()), credentialID: [0x6F],
            password: SecretBytes([0x6F]), generator: generator)
        let page = try CountersResponse(
            decoding: operatorClient.call(.counters(CountersRequest(firstSlot: slot, count: 1))))
        return try #require(page.slots.first).attempts
    }
}
