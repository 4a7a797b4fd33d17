// A whole chip's memories in RAM, sized for a store geometry, sharing one power supply: what tests,
// the host's in-process device and benchmarks put under the firmware.

import CofferFirmware

/// Fuses, counter bank and flash in memory, sized for `geometry` (the store, then the realm area),
/// with one `PowerCut` across them.
///
/// The memories outlive firmware instances: power off is dropping the `CofferChip` (or `Vault`),
/// power on is building a new one on `board(entropy:engine:)`.
public final class MemoryChip {
    /// Flash page size of in-memory chips: one default slot copy per page.
    public static let pageSize = 512

    public let power: PowerCut
    public let fuses: MemoryFuses
    public let counters: MemoryCounterBank
    public let flash: MemoryFlash
    public let geometry: StoreGeometry

    /// Blank fuses, zero counters and erased flash for a store of `geometry`.
    public init(geometry: StoreGeometry = StoreGeometry()) {
        let power = PowerCut()
        self.power = power
        self.geometry = geometry
        fuses = MemoryFuses(power: power)
        counters = MemoryCounterBank(count: CounterLayout(slotCount: geometry.slotCount).requiredCount, power: power)
        let layout = FlashLayout(pageSize: MemoryChip.pageSize, geometry: geometry)
        flash = MemoryFlash(pageSize: MemoryChip.pageSize, pageCount: layout.chipPages, power: power)
    }

    /// The firmware configuration that matches these memories.
    public var configuration: FirmwareConfiguration {
        FirmwareConfiguration(geometry: geometry, deviceKind: .emulator)
    }

    /// A board on these memories with the given entropy source and crypto engine.
    public func board<Entropy: EntropySource, Engine: CryptoEngine>(
        entropy: Entropy, engine: Engine
    ) -> ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, Entropy, Engine> {
        ChipBoard(fuses: fuses, counters: counters, flash: flash, entropy: entropy, engine: engine)
    }
}
