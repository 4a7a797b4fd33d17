import CofferFirmware

/// How the emulated chip's media are sized from its slot count, using the firmware's own layouts.
/// The counter bank (on-chip, trusted) is the anchor: its size says how many slots the chip has,
/// and that fixes the flash geometry, so nothing about size is taken from the untrusted flash.
public enum ChipLayout {
    /// Bytes per erase page of the emulated flash: one slot copy per page at the default slot size.
    public static let flashPageSize = 512

    /// Counters a chip with `slotCount` slots has.
    public static func counterCount(slots slotCount: Int) -> Int {
        CounterLayout(slotCount: slotCount).requiredCount
    }

    /// The slot count a bank of `counterCount` counters belongs to, or nil if none does.
    public static func slotCount(counters counterCount: Int) -> Int? {
        let perSlot = counterCount - CounterLayout.globalCount
        guard perSlot > 0, perSlot % 2 == 0, perSlot / 2 <= StoreGeometry.maxSlotCount else { return nil }
        return perSlot / 2
    }

    /// The flash geometry of the chip whose bank has `counterCount` counters: the store, then the
    /// realm area (docs/PROTOCOL.md §11.5).
    public static func flashGeometry(counters counterCount: Int) -> FlashGeometry? {
        guard let slots = slotCount(counters: counterCount) else { return nil }
        let layout = FlashLayout(pageSize: flashPageSize, geometry: StoreGeometry(slotCount: slots))
        return FlashGeometry(pageSize: flashPageSize, pageCount: layout.chipPages)
    }

    /// The flash geometry emulators made before the realm area had: the store alone. Such an image
    /// is grown by the realm area (erased) when it is opened.
    public static func storeOnlyFlashGeometry(counters counterCount: Int) -> FlashGeometry? {
        guard let slots = slotCount(counters: counterCount) else { return nil }
        let layout = FlashLayout(pageSize: flashPageSize, geometry: StoreGeometry(slotCount: slots))
        return FlashGeometry(pageSize: flashPageSize, pageCount: layout.requiredPages)
    }
}
