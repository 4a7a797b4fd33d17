// A compile-only microcontroller board: the firmware's HAL on fixed-size memories, so that
// `scripts/firmware-embedded.sh` specialises the whole `CofferChip` for armv7em as Embedded Swift.
// Generic firmware code is only fully checked by Embedded Swift once it is specialised; this unit
// is that specialisation, and its object size approximates a firmware image.
//
// Memories, entropy and clock are simple stand-ins for a board's parts. The crypto is real:
// CofferPureCrypto's engine (SHA-256, HMAC/HKDF, AES-256-GCM, P-256, ECDSA, OPAQUE P256-SHA256 in plain
// Swift), so the chip is specialised on the code a board without OpenSSL would run.

import CofferFirmware
import CofferPureCrypto
import OPAQUE

/// The store this image is built for: small enough for an MCU's internal flash.
let geometry = StoreGeometry(slotCount: 8, slotSize: 512)
/// Bytes per flash erase page, as on a typical Cortex-M internal flash.
let flashPageSize = 512
let flashLayout = FlashLayout(pageSize: flashPageSize, geometry: geometry)

/// One-time-programmable fuses in a fixed buffer (a board maps its OTP block here).
final class OTPFuses: FuseBank {
    private var uds = [UInt8](repeating: 0, count: FuseContents.udsLength)
    private var serial: UInt64 = 0
    private var burned = false

    func read() throws(HALError) -> FuseContents? {
        burned ? FuseContents(uds: uds, serial: serial) : nil
    }

    func burn(_ contents: FuseContents) throws(HALError) {
        guard !burned else { throw .alreadyBurned }
        guard contents.uds.count == FuseContents.udsLength else { throw .outOfRange }
        uds = contents.uds
        serial = contents.serial
        burned = true
    }
}

/// The monotonic counters in a fixed array sized for the store's counter layout.
final class MonotonicCounters: CounterBank {
    private var values = [UInt32](repeating: 0, count: CounterLayout(slotCount: geometry.slotCount).requiredCount)

    var count: Int { values.count }

    func read(_ index: Int) throws(HALError) -> UInt32 {
        guard values.indices.contains(index) else { throw .outOfRange }
        return values[index]
    }

    func increment(_ index: Int) throws(HALError) -> UInt32 {
        guard values.indices.contains(index) else { throw .outOfRange }
        guard values[index] < UInt32.max else { throw .counterExhausted }
        values[index] += 1
        return values[index]
    }

    func advance(_ index: Int, to value: UInt32) throws(HALError) -> UInt32 {
        guard values.indices.contains(index), value >= values[index] else { throw .outOfRange }
        values[index] = value
        return value
    }
}

/// NOR flash in a fixed buffer of exactly the pages the store needs, with NOR's program rule.
final class InternalFlash: FlashMemory {
    let pageSize = flashPageSize
    let pageCount = flashLayout.requiredPages
    private var cells = [UInt8](repeating: 0xFF, count: flashPageSize * flashLayout.requiredPages)

    func read(offset: Int, count: Int) throws(HALError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= cells.count else { throw .outOfRange }
        return Array(cells[offset..<offset + count])
    }

    func program(offset: Int, bytes: [UInt8]) throws(HALError) {
        guard offset >= 0, offset + bytes.count <= cells.count else { throw .outOfRange }
        for i in 0..<bytes.count where cells[offset + i] != 0xFF {
            throw .notErased
        }
        cells.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    func erase(page: Int) throws(HALError) {
        guard page >= 0, page < pageCount else { throw .outOfRange }
        for i in page * pageSize..<(page + 1) * pageSize { cells[i] = 0xFF }
    }
}

/// Stand-in for a TRNG peripheral: an xorshift generator. Not a source of secrets; a real board
/// reads its TRNG here.
final class TRNGStandIn: EntropySource {
    private var state: UInt32 = 0x9E37_79B9

    func randomBytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            bytes.append(UInt8(truncatingIfNeeded: state))
        }
        return bytes
    }
}

/// Stand-in for SysTick: milliseconds as last reported by the caller, never going backwards.
final class SysTickClock: MonotonicClock {
    private var now: UInt64 = 0

    func advance(to milliseconds: UInt64) { now = max(now, milliseconds) }
    func milliseconds() -> UInt64 { now }
}

// MARK: - The chip on this board

typealias MCUBoard = ChipBoard<OTPFuses, MonotonicCounters, InternalFlash, TRNGStandIn, PureCryptoEngine>

/// The memories outlive firmware instances, as on a chip; the firmware boots on first use.
nonisolated(unsafe) private let board = MCUBoard(
    fuses: OTPFuses(), counters: MonotonicCounters(), flash: InternalFlash(), entropy: TRNGStandIn(),
    engine: PureCryptoEngine())
nonisolated(unsafe) private let clock = SysTickClock()
nonisolated(unsafe) private var chip: CofferChip<MCUBoard>?

/// Feeds one 64-byte OUT report received at `now` (milliseconds) to the chip, then lets time-driven
/// work run; returns how many IN reports that produced, or -1 if the firmware could not boot.
@_cdecl("coffer_board_receive")
public func boardReceive(_ report: UnsafePointer<UInt8>, _ now: UInt64) -> Int32 {
    if chip == nil {
        chip = try? CofferChip(board: board, configuration: FirmwareConfiguration(geometry: geometry))
    }
    guard let chip else { return -1 }
    clock.advance(to: now)
    let bytes = Array(UnsafeBufferPointer(start: report, count: 64))
    let produced = chip.receive(report: bytes, now: clock.milliseconds()).count
        + chip.poll(now: clock.milliseconds()).count
    return Int32(produced)
}
