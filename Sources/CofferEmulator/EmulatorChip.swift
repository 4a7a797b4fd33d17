import CofferCrypto
import CofferFirmware
import CofferProtocol
import OPAQUE

/// The board the emulator gives the firmware: files, entropy and the OpenSSL/libsodium crypto engine
/// around the OPAQUE suite the device serves.
public typealias EmulatorBoard<Suite: OPAQUECiphersuite> = ChipBoard<
    FuseFile, CounterFile, FlashImage, ChipEntropy, OpenSSLCryptoEngine<Suite>
>

/// A booted emulator chip. The firmware is generic over its board and has no existentials, so each
/// suite is its own concrete chip type; the emulator picks one of the two when it boots a device
/// (from the suite in its fuses) and dispatches to it here.
public final class EmulatorChip: ReportEndpoint {
    /// The firmware specialised for each suite.
    public enum Firmware {
        case p256SHA256(CofferChip<EmulatorBoard<P256SHA256Suite>>)
        case ristretto255SHA512(CofferChip<EmulatorBoard<Ristretto255SHA512Suite>>)
    }

    /// The chip of the device's suite.
    public let firmware: Firmware

    init(_ firmware: Firmware) { self.firmware = firmware }

    /// The suite the chip serves.
    public var suite: VaultSuite {
        switch firmware {
        case .p256SHA256(let chip): chip.vault.servedSuite
        case .ristretto255SHA512(let chip): chip.vault.servedSuite
        }
    }

    /// The firmware's lifecycle state.
    public var lifecycle: Lifecycle {
        switch firmware {
        case .p256SHA256(let chip): chip.vault.lifecycle
        case .ristretto255SHA512(let chip): chip.vault.lifecycle
        }
    }

    /// Whether the chip has joined a realm (it serves the vault only as a member then).
    public var isRealmMember: Bool {
        switch firmware {
        case .p256SHA256(let chip): chip.vault.isRealmMember
        case .ristretto255SHA512(let chip): chip.vault.isRealmMember
        }
    }

    /// Hands `request` to the vault as if it came on `channel`.
    public func handle(_ request: VaultRequest, channel: UInt32 = 0) -> VaultReply {
        switch firmware {
        case .p256SHA256(let chip): chip.vault.handle(request, channel: channel)
        case .ristretto255SHA512(let chip): chip.vault.handle(request, channel: channel)
        }
    }

    public func receive(report: [UInt8], now: UInt64) -> [[UInt8]] {
        switch firmware {
        case .p256SHA256(let chip): chip.receive(report: report, now: now)
        case .ristretto255SHA512(let chip): chip.receive(report: report, now: now)
        }
    }

    public func poll(now: UInt64) -> [[UInt8]] {
        switch firmware {
        case .p256SHA256(let chip): chip.poll(now: now)
        case .ristretto255SHA512(let chip): chip.poll(now: now)
        }
    }

    public func nextPollDeadline(now: UInt64) -> UInt64? {
        switch firmware {
        case .p256SHA256(let chip): chip.nextPollDeadline(now: now)
        case .ristretto255SHA512(let chip): chip.nextPollDeadline(now: now)
        }
    }
}
