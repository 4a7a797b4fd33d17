@testable import CofferFuzzHarness
import CofferProtocol
import Testing

/// The `firmware-reports` seeds were made against a live chip; they are worth something only if a
/// fresh chip, replaying their bytes, reaches the same answers (the chip's randomness is seeded).
@Suite struct FirmwareSeedTests {
    @Test func recoverSeedRecoversWhenReplayed() throws {
        #expect(try statuses(replaying: "recover") == [.ok, .ok])
    }

    @Test func registerDepositSeedEnrolsWhenReplayed() throws {
        #expect(try statuses(replaying: "register-deposit") == [.ok, .ok, .ok, .ok])
    }

    @Test func unknownIDSeedFailsAuthenticationWhenReplayed() throws {
        #expect(try statuses(replaying: "unknown-id") == [.ok, .authenticationFailed])
    }

    @Test func storeFullSeedFillsTheStoreWhenReplayed() throws {
        #expect(try statuses(replaying: "store-full").last == .storeFull)
    }

    /// The status of every vault reply the chip sends while the named seed replays.
    private func statuses(replaying name: String) throws -> [VaultStatus] {
        let seed = try #require(FirmwareSeeds.all.first { $0.name == name })
        var input = FuzzInput(seed.bytes)
        let bench = FirmwareBench(image: try #require(FirmwareStart(rawValue: input.byte())).image)
        var statuses: [VaultStatus] = []
        while input.remaining > 0 {
            let control = input.byte()
            var reader = SentMessageReader()
            bench.step(control: control, report: input.bytes(upTo: 64)).forEach { reader.read($0) }
            for message in reader.finished() where message.command >= 0x40 {
                statuses.append(try VaultReply(decoding: message.payload).status)
            }
        }
        return statuses
    }
}
