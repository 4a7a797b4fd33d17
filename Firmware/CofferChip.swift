// The chip's USB side: 64-byte HID reports in, reports out. CTAPHID framing and channels are the
// CTAPHID module's device state machine; vendor commands (0x40...0x7F) go to the vault, which
// answers before `receive` returns, so no keep-alive is ever needed.

import CTAPHID
import CofferProtocol

/// New CTAPHID channel ids drawn from the board's entropy source.
public struct EntropyChannelIDs<Entropy: EntropySource>: CTAPHIDChannelIDSource {
    let entropy: Entropy

    public init(entropy: Entropy) { self.entropy = entropy }

    public mutating func nextChannelID() -> UInt32 {
        entropy.randomBytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

/// The whole chip as its body sees it: a `ReportEndpoint` running the vault firmware on `board`.
///
/// The emulator (or a test, or the host's in-process transport) feeds it every OUT report with the
/// current monotonic time, calls `poll(now:)` when time passes without reports (stalled-message
/// timeouts, lock expiry), and sends back the IN reports each call returns, in order. Power off is
/// dropping the instance; power on is a new instance on the same board.
public final class CofferChip<B: Board>: ReportEndpoint {
    /// The vault firmware behind the USB side.
    public let vault: Vault<B>
    private var usb: CTAPHIDDevice<EntropyChannelIDs<B.Entropy>>
    /// How many times the host asked the device to identify itself (an LED would blink).
    public private(set) var winkCount = 0

    /// CTAPHID device version reported in INIT responses: the firmware version.
    public static var deviceVersion: CTAPHIDDeviceVersion {
        let version = FirmwareConfiguration.firmwareVersion
        return CTAPHIDDeviceVersion(major: version.major, minor: version.minor, build: version.patch)
    }

    /// Boots the firmware on `board` (see `Vault.init`).
    public init(board: B, configuration: FirmwareConfiguration = FirmwareConfiguration()) throws(FirmwareError) {
        vault = try Vault(board: board, configuration: configuration)
        usb = CTAPHIDDevice(version: CofferChip.deviceVersion, channelIDs: EntropyChannelIDs(entropy: board.entropy))
    }

    public func receive(report: [UInt8], now: UInt64) -> [[UInt8]] {
        perform(usb.receive(report: report, now: now))
    }

    public func poll(now: UInt64) -> [[UInt8]] {
        perform(usb.poll(now: now))
    }

    /// Only CTAPHID's timers (a stalled message, a lock) make `poll` do anything.
    public func nextPollDeadline(now: UInt64) -> UInt64? {
        usb.nextDeadline
    }

    private func perform(_ actions: [CTAPHIDDeviceAction]) -> [[UInt8]] {
        var reports: [[UInt8]] = []
        for action in actions {
            switch action {
            case .send(let report):
                reports.append(report)
            case .deliver(let message):
                let reply = vault.handle(
                    command: message.command.rawValue, payload: message.payload, channel: message.channel.rawValue)
                // A reply always fits (the largest, Counters, is about 1 KiB) and the transaction is
                // the one just delivered, so `respond` cannot refuse; if it ever did, the host times out.
                if let sent = try? usb.respond(channel: message.channel, command: message.command, payload: reply) {
                    reports += sent
                }
            case .wink:
                winkCount += 1
            case .cancel:
                // Vault requests complete inside `receive`; nothing is ever left to cancel.
                break
            }
        }
        return reports
    }
}
