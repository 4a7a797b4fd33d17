import CofferCrypto
import CofferFirmware
import CofferMemoryChip
import CofferProtocol
import CTAPHID

/// The chip a `firmware-reports` input runs on: CofferChip on in-memory fuses, counters and flash with
/// the OpenSSL engine, a clock, restarts and power cuts. It checks what must hold whatever the host
/// sends and whenever the power goes:
/// - the IN reports are well framed (`SentMessageReader`), and every vault reply follows its layout:
///   a known status, a body only after `ok`, and that body decodes as the operation's reply;
/// - the chip boots again after every restart and power cut;
/// - on-chip counters never go down, burned fuses never change, the lifecycle never goes back;
/// - a restart finds no damaged slot: power cuts leave each record old or new, never a mix.
final class FirmwareBench {
    typealias Engine = OpenSSLCryptoEngine<P256SHA256Suite>
    typealias FuzzBoard = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, Engine>

    /// A small store, so that it fills up and its every slot is within the fuzzer's reach.
    static let geometry = StoreGeometry(slotCount: 4)
    static let pageSize = 512
    static let configuration = FirmwareConfiguration(geometry: geometry)
    static let timeSteps: [UInt64] = [0, 1, 100, 499, 500, 1_000, 9_999, 10_001]

    let power = PowerCut()
    let fuses: MemoryFuses
    let counters: MemoryCounterBank
    let flash: MemoryFlash
    private(set) var chip: CofferChip<FuzzBoard>
    private(set) var now: UInt64 = 1_000
    private var boots: UInt64 = 0
    private var lastCounters: [UInt32]
    private var lastFuses: FuseContents?
    private var lastLifecycle: Lifecycle

    /// Memories holding `image`, and the chip booted on them.
    init(image: ChipImage) {
        let bank = MemoryCounterBank(count: image.counters.count, power: power)
        for (index, value) in image.counters.enumerated() {
            for _ in 0..<value {
                _ = must { () throws(HALError) in try bank.increment(index) }
            }
        }
        counters = bank
        fuses = MemoryFuses(contents: image.fuses, power: power)
        let pages = FlashLayout(pageSize: Self.pageSize, geometry: Self.geometry).requiredPages
        flash = MemoryFlash(pageSize: Self.pageSize, pageCount: pages, power: power)
        flash.image = image.flash
        chip = Self.boot(fuses: fuses, counters: counters, flash: flash, seed: 0)
        lastCounters = counters.snapshot
        lastFuses = image.fuses
        lastLifecycle = chip.vault.lifecycle
    }

    /// What the memories hold now.
    var image: ChipImage {
        ChipImage(fuses: try? fuses.read(), counters: counters.snapshot, flash: flash.image)
    }

    /// One step of an input. Control: bits 0-2 the time step; bit 3 poll first; bits 4-7 power: 0 on,
    /// 1 restart before the report, n ≥ 2 cut the power after n − 2 durable writes while the report is
    /// handled, then restore it and restart. Returns the IN reports.
    @discardableResult
    func step(control: UInt8, report: [UInt8]) -> [[UInt8]] {
        now += Self.timeSteps[Int(control & 0x07)]
        let powerEvent = Int(control >> 4)
        if powerEvent == 1 {
            restart()
        } else if powerEvent >= 2 {
            power.cut(afterWrites: powerEvent - 2)
        }
        var sent: [[UInt8]] = []
        if control & 0x08 != 0 {
            sent += chip.poll(now: now)
        }
        sent += chip.receive(report: report, now: now)
        checkReplies(sent)
        if powerEvent >= 2 {
            power.restore()
            restart()
        }
        observeMemories()
        return sent
    }

    /// Power off and on: a fresh firmware instance on the same memories.
    func restart() {
        boots += 1
        chip = Self.boot(fuses: fuses, counters: counters, flash: flash, seed: boots)
        invariant(chip.vault.lifecycle.rawValue >= lastLifecycle.rawValue, "the lifecycle went back at a restart")
        guard chip.vault.lifecycle == .operational else { return }
        let reply = chip.vault.handle(.getInfo, channel: 0)
        let info = try? GetInfoResponse(decoding: reply.body)
        invariant(reply.status == .ok && info != nil, "GetInfo failed after a restart: \(reply.status)")
        invariant(info?.damagedCount == 0, "a restart found \(info?.damagedCount ?? 0) damaged slot(s)")
    }

    private static func boot(fuses: MemoryFuses, counters: MemoryCounterBank, flash: MemoryFlash,
                             seed: UInt64) -> CofferChip<FuzzBoard> {
        // Each boot draws other random numbers, as a TRNG would, but the same ones on every run.
        let entropy = SeededEntropy(seed: 0xC0FF_EE00 &+ seed)
        let board = ChipBoard(fuses: fuses, counters: counters, flash: flash, entropy: entropy,
                              engine: Engine(suite: VaultClient.suite))
        do {
            return try CofferChip(board: board, configuration: configuration)
        } catch {
            fatalError("fuzz invariant: the chip does not boot: \(error)")
        }
    }

    private func checkReplies(_ reports: [[UInt8]]) {
        var reader = SentMessageReader()
        reports.forEach { reader.read($0) }
        for message in reader.finished() where CTAPHIDCommand(rawValue: message.command).isVendor {
            guard let reply = try? VaultReply(decoding: message.payload) else {
                return invariant(false, "a vault reply that does not decode")
            }
            guard reply.status == .ok, let operation = VaultOperation(rawValue: message.command) else { continue }
            invariant(Self.bodyDecodes(reply.body, for: operation), "an ok reply to \(operation) that does not decode")
        }
    }

    private static func bodyDecodes(_ body: [UInt8], for operation: VaultOperation) -> Bool {
        switch operation {
        case .getInfo: (try? GetInfoResponse(decoding: body)) != nil
        case .counters: (try? CountersResponse(decoding: body)) != nil
        case .registerStart: (try? RegisterStartResponse(decoding: body)) != nil
        case .registerFinish: (try? RegisterFinishResponse(decoding: body)) != nil
        case .loginStart: (try? LoginStartResponse(decoding: body)) != nil
        case .loginFinish: (try? LoginFinishResponse(decoding: body)) != nil
        case .manufacture, .provision, .zeroize: body.isEmpty
        }
    }

    private func observeMemories() {
        let values = counters.snapshot
        invariant(zip(values, lastCounters).allSatisfy { $0 >= $1 }, "an on-chip counter went down")
        lastCounters = values
        let burned = try? fuses.read()
        invariant(lastFuses == nil || burned == lastFuses, "burned fuses changed")
        lastFuses = burned
        invariant(chip.vault.lifecycle.rawValue >= lastLifecycle.rawValue, "the lifecycle went back")
        lastLifecycle = chip.vault.lifecycle
    }
}

/// What a chip's memories hold: the state a `firmware-reports` input starts from.
struct ChipImage: Sendable {
    var fuses: FuseContents?
    var counters: [UInt32]
    var flash: [UInt8]
}
