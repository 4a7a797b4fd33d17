import CTAPHID
import CofferEmulator
import CofferProtocol
import CofferTestSupport
import Foundation
import Testing

/// Issue 9, finding 6: with `--seed`, the emulator's random stream restarted at every boot, so a
/// relay that recorded one honest recover could replay it after a power cycle and get the same KE2,
/// for which the recorded KE3 is valid again: the record was re-based, and 6 wrong guesses went by at
/// limit 3. Now each boot raises the on-chip boot counter before any draw and keys the stream with
/// it, so the replayed login meets fresh nonces and key shares, its KE3 fails, and it counts.
///
/// The replay is of raw datagrams, grouped into CTAPHID messages only to move them onto the
/// attacker's own channel; nothing here depends on the vault's message layouts.
@Suite struct EmuSeedReplayTests {
    static let seed = "5eedface5eedface"
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }
    let credential = Array("victim@example.org".utf8)
    let backupKey = seededBytes(32, seed: 0x9999)
    let wrongPassword = Array("not the password".utf8)

    /// One boot of the built emulator on the state dir, always with the same `--seed`.
    final class Boot {
        let emulator: EmulatorProcess
        let port: UInt16

        init(_ test: EmuSeedReplayTests, run: Int) throws {
            emulator = try EmulatorProcess(
                [
                    "serve", "--state-dir", test.stateDir, "--port", "0", "--ready-file",
                    test.workspace.file("\(run).ready"), "--seed", EmuSeedReplayTests.seed, "--slots", "1",
                ],
                stderrPath: test.workspace.file("\(run).log"))
            port = try emulator.waitUntilReady().port
        }

        func client() throws -> VaultTestClient { try VaultTestClient(host: CTAPHIDTestHost(port: port)) }

        func stop() { #expect(emulator.stop() == 0, "the emulator did not stop cleanly: \(emulator.stderr)") }
    }

    /// The messages a direction of the recording carries, reassembled: (command, payload), in order.
    static func messages(_ recording: [RelayedDatagram], _ direction: RelayDirection)
        -> [(command: CTAPHIDCommand, payload: [UInt8])]
    {
        var messages: [(command: CTAPHIDCommand, payload: [UInt8])] = []
        var open: (command: CTAPHIDCommand, length: Int, payload: [UInt8])?
        for datagram in recording where datagram.direction == direction {
            switch CTAPHIDPacket(report: datagram.bytes) {
            case .initialization(let first)?:
                open = (first.command, first.messageLength, Array(first.data.prefix(first.messageLength)))
            case .continuation(let next)?:
                open?.payload += next.data
            case nil:
                continue
            }
            if let message = open, message.payload.count >= message.length {
                messages.append((message.command, Array(message.payload.prefix(message.length))))
                open = nil
            }
        }
        return messages
    }

    @Test func loginRecordedAtOneBootAndReplayedAfterARestartWithTheSameSeedFailsAndCounts() throws {
        // Boot 1: the owner registers with a limit of 3 and deposits the key.
        do {
            let boot = try Boot(self, run: 1)
            let owner = try boot.client()
            try owner.register(credential, attemptLimit: 3)
            #expect(try owner.deposit(credential, backupKey: backupKey) == .done)
            boot.stop()
        }

        // Boot 2: the owner's first act is a recover through a recording relay (attempts used back to
        // 0); then one wrong guess (1 used).
        let recording: [RelayedDatagram]
        do {
            let boot = try Boot(self, run: 2)
            let relay = try BlindRelay(devicePort: boot.port)
            let owner = try VaultTestClient(host: CTAPHIDTestHost(port: relay.port))
            #expect(try owner.recover(credential) == .recovered(backupKey))
            relay.stop()
            recording = relay.recording
            let guess = try boot.client().recover(credential, password: wrongPassword)
            #expect(guess == .wrongPassword(attemptsRemaining: 2))
            boot.stop()
        }
        let sent = Self.messages(recording, .toDevice)
        let answered = Self.messages(recording, .toClient)
        try #require(sent.first?.command == .initialize && answered.count == sent.count)
        let loginStart = CTAPHIDCommand(rawValue: VaultOperation.loginStart.rawValue)
        let loginFinish = CTAPHIDCommand(rawValue: VaultOperation.loginFinish.rawValue)
        let start = try #require(sent.firstIndex { $0.command == loginStart })
        let finish = try #require(sent.lastIndex { $0.command == loginFinish })

        // Boot 3, same seed: the attacker opens its own channel with the recorded INIT and replays
        // every recorded message after it on that channel, byte for byte and in order.
        let boot = try Boot(self, run: 3)
        let attacker = try CTAPHIDTestHost(port: boot.port)
        let recordedNonce = Array(sent[0].payload.prefix(CTAPHIDLimits.initNonceSize))
        let channel = try attacker.openChannel(nonce: recordedNonce).channel
        var replayed: [[UInt8]] = [[]]
        for message in sent.dropFirst() {
            replayed.append(try attacker.exchange(channel, message.command, message.payload))
        }
        let (replayedStart, replayedFinish) = (replayed[start], replayed[finish])

        // No random value repeats: the device answers the same KE1 with fresh nonces and a fresh key
        // share (the OPRF evaluation and the attempts remaining may match; before the fix only the
        // attempts remaining differed), ...
        let recordedStart = answered[start].payload
        try #require(replayedStart.count == recordedStart.count)
        let changed = zip(replayedStart, recordedStart).filter { $0 != $1 }.count
        #expect(changed >= 64, "only \(changed) bytes of KE2 changed after a restart")
        // ... so the recorded KE3 does not verify and nothing comes back sealed.
        #expect(try VaultReply(decoding: replayedFinish).status != .ok, "the replayed LoginFinish verified")
        #expect(replayedFinish != answered[finish].payload)

        // The replayed login counted and re-based nothing: 1 wrong + 1 replayed + this wrong one use up
        // the limit of 3 (before the fix: re-based, 2 remaining, and round again).
        let owner = try boot.client()
        #expect(try owner.recover(credential, password: wrongPassword) == .wrongPassword(attemptsRemaining: 0))
        #expect(try owner.recover(credential) == .refused(.recordDestroyed))
        boot.stop()
    }
}
