// Coffer's QEMU board (mps2-an386, Cortex-M4): the firmware's HAL for an image that runs as ARM code.
// Fuses, counters and flash are kept in RAM (a restart of QEMU is a new device, for now); entropy is an
// HMAC-DRBG (NIST SP 800-90A, HMAC-SHA-256 from CofferPureCrypto) seeded once at boot with host entropy
// that startup.c reads from a file through semihosting; crypto is CofferPureCrypto's engine. No
// OpenSSL, no Foundation. startup.c calls the two entry points below.

import CofferFirmware
import CofferProtocol
import CofferPureCrypto

/// The store this image is built for: small enough for an MCU's internal flash.
let geometry = StoreGeometry(slotCount: 8, slotSize: 512)
/// Bytes per flash erase page, as on a typical Cortex-M internal flash.
let flashPageSize = 512
let flashLayout = FlashLayout(pageSize: flashPageSize, geometry: geometry)

/// One-time-programmable fuses in a fixed buffer (a board maps its OTP block here).
final class OTPFuses: FuseBank {
    private var uds = [UInt8](repeating: 0, count: FuseContents.udsLength)
    private var serial: UInt64 = 0
    private var suite = VaultSuite(rawValue: 0)
    private var burned = false

    func read() throws(HALError) -> FuseContents? {
        burned ? FuseContents(uds: uds, serial: serial, suite: suite) : nil
    }

    func burn(_ contents: FuseContents) throws(HALError) {
        guard !burned else { throw .alreadyBurned }
        guard contents.uds.count == FuseContents.udsLength else { throw .outOfRange }
        uds = contents.uds
        serial = contents.serial
        suite = contents.suite
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

/// HMAC-DRBG (SP 800-90A 10.1.2, HMAC-SHA-256, no prediction resistance, no reseed): the board's
/// entropy source, instantiated from the host's seed at boot.
final class HMACDRBG: EntropySource {
    private let engine = PureCryptoEngine()
    private var key = [UInt8](repeating: 0x00, count: 32)
    private var value = [UInt8](repeating: 0x01, count: 32)

    init(seed: [UInt8]) { update(seed) }

    private func update(_ provided: [UInt8]) {
        key = engine.hmacSHA256(key: key, message: value + [0x00] + provided)
        value = engine.hmacSHA256(key: key, message: value)
        guard !provided.isEmpty else { return }
        key = engine.hmacSHA256(key: key, message: value + [0x01] + provided)
        value = engine.hmacSHA256(key: key, message: value)
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 32)
        while bytes.count < count {
            value = engine.hmacSHA256(key: key, message: value)
            bytes += value
        }
        update([])
        return Array(bytes[0..<count])
    }
}

typealias QEMUBoard = ChipBoard<OTPFuses, MonotonicCounters, InternalFlash, HMACDRBG, PureCryptoEngine>

nonisolated(unsafe) private var chip: CofferChip<QEMUBoard>?

/// Seeds the DRBG with `length` bytes of host entropy and boots the firmware on fresh memories.
/// Returns 0, or -1 if the firmware did not boot.
@_cdecl("coffer_qemu_boot")
public func qemuBoot(_ seed: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
    let board = QEMUBoard(
        fuses: OTPFuses(), counters: MonotonicCounters(), flash: InternalFlash(),
        entropy: HMACDRBG(seed: Array(UnsafeBufferPointer(start: seed, count: length))),
        engine: PureCryptoEngine())
    chip = try? CofferChip(board: board, configuration: FirmwareConfiguration(geometry: geometry))
    return chip == nil ? -1 : 0
}

/// Feeds one 64-byte OUT report received at `now` (milliseconds) to the chip and lets time-driven
/// work run; writes the IN reports it produced to `out` (64 bytes each) and returns how many, or -1
/// if they do not fit in `capacity` bytes or the firmware has not booted.
@_cdecl("coffer_qemu_receive")
public func qemuReceive(
    _ report: UnsafePointer<UInt8>, _ now: UInt64, _ out: UnsafeMutablePointer<UInt8>, _ capacity: Int
) -> Int32 {
    guard let chip else { return -1 }
    let reports = chip.receive(report: Array(UnsafeBufferPointer(start: report, count: 64)), now: now)
        + chip.poll(now: now)
    guard reports.count * 64 <= capacity else { return -1 }
    for (index, reply) in reports.enumerated() {
        for (offset, byte) in reply.prefix(64).enumerated() { out[index * 64 + offset] = byte }
    }
    return Int32(reports.count)
}
