// Coffer's QEMU board (mps2-an386, Cortex-M4): the firmware's HAL for an image that runs as ARM code.
// Fuses, counters and flash are scripts/board/Memories.swift's, kept in host files through semihosting
// (BoardFiles.swift); entropy is an HMAC-DRBG (NIST SP 800-90A, HMAC-SHA-256 from CofferPureCrypto)
// seeded at boot with host entropy that startup.c reads from a file through semihosting and with the
// boot count; time is SysTick's (uart.c); crypto is CofferPureCrypto's engine. No OpenSSL, no
// Foundation. startup.c and uart.c call the entry points below.

import CofferFirmware
import CofferProtocol
import CofferPureCrypto

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

typealias QEMUBoard = ChipBoard<
    OTPFuses<BoardFiles>, MonotonicCounters<BoardFiles>, InternalFlash<BoardFiles>, HMACDRBG, PureCryptoEngine
>

nonisolated(unsafe) private var chip: CofferChip<QEMUBoard>?

/// Loads the memories from the host files, counts this boot durably, seeds the DRBG with `length`
/// bytes of host entropy and the count, and boots the firmware (GetInfo says `.seeded` when `seeded` is
/// nonzero, else `.emulator`). Returns the boot count, or -1 (no boot), -2 (memories refused), -3
/// (host I/O failed).
@_cdecl("coffer_qemu_boot")
public func qemuBoot(_ seed: UnsafePointer<UInt8>, _ length: Int, _ seeded: Int32) -> Int32 {
    let memories: LoadedMemories
    do {
        memories = try BoardFiles.load()
    } catch {
        return error == .refused ? -2 : -3
    }
    let counters = MonotonicCounters(keeper: memories.files, values: memories.counters)
    // The boot is counted before any random byte is drawn and keys the DRBG, so no boot's stream repeats
    // an earlier one's, even from a known seed.
    let boot: UInt32
    do {
        boot = try counters.increment(CounterLayout.boots)
    } catch {
        say("coffer-qemu: cannot count this boot in \(BoardFiles.countersName): refusing to boot")
        return -3
    }
    let personalisation = Array("coffer-qemu/boot".utf8) + bigEndian(boot)
    let board = QEMUBoard(
        fuses: OTPFuses(keeper: memories.files, contents: memories.fuses), counters: counters,
        flash: InternalFlash(keeper: memories.files, cells: memories.flash),
        entropy: HMACDRBG(seed: Array(UnsafeBufferPointer(start: seed, count: length)) + personalisation),
        engine: PureCryptoEngine())
    let configuration = FirmwareConfiguration(geometry: geometry, deviceKind: seeded != 0 ? .seeded : .emulator)
    chip = try? CofferChip(board: board, configuration: configuration)
    return chip == nil ? -1 : Int32(truncatingIfNeeded: min(boot, UInt32(Int32.max)))
}

/// Feeds one 64-byte OUT report received at `now` (SysTick milliseconds) to the chip; writes the IN
/// reports answering it to `out` (64 bytes each) and returns how many, or -1 if they do not fit in
/// `capacity` bytes or the firmware has not booted.
@_cdecl("coffer_qemu_receive")
public func qemuReceive(
    _ report: UnsafePointer<UInt8>, _ now: UInt64, _ out: UnsafeMutablePointer<UInt8>, _ capacity: Int
) -> Int32 {
    guard let chip else { return -1 }
    return copy(chip.receive(report: Array(UnsafeBufferPointer(start: report, count: 64)), now: now), out, capacity)
}

/// Lets time pass for the chip: writes the IN reports due by `now` to `out`, as `coffer_qemu_receive`.
@_cdecl("coffer_qemu_poll")
public func qemuPoll(_ now: UInt64, _ out: UnsafeMutablePointer<UInt8>, _ capacity: Int) -> Int32 {
    guard let chip else { return -1 }
    return copy(chip.poll(now: now), out, capacity)
}

/// The time at which the chip next has time-driven work, asked at `now`; UInt64.max for none.
@_cdecl("coffer_qemu_deadline")
public func qemuDeadline(_ now: UInt64) -> UInt64 {
    chip?.nextPollDeadline(now: now) ?? UInt64.max
}

private func copy(_ reports: [[UInt8]], _ out: UnsafeMutablePointer<UInt8>, _ capacity: Int) -> Int32 {
    guard reports.count * 64 <= capacity else { return -1 }
    for (index, reply) in reports.enumerated() {
        for (offset, byte) in reply.prefix(64).enumerated() { out[index * 64 + offset] = byte }
    }
    return Int32(reports.count)
}
