// The chip's body as one generic parameter: which fuses, counters, flash, entropy and crypto engine
// the firmware runs on. The emulator, the tests and a real board each supply their own.

/// The physical parts the firmware runs on, bundled so the firmware has one generic parameter.
public protocol Board {
    associatedtype Fuses: FuseBank
    associatedtype Counters: CounterBank
    associatedtype Flash: FlashMemory
    associatedtype Entropy: EntropySource
    associatedtype Engine: CryptoEngine

    var fuses: Fuses { get }
    var counters: Counters { get }
    var flash: Flash { get }
    var entropy: Entropy { get }
    var engine: Engine { get }
}

/// A `Board` assembled from its parts.
public struct ChipBoard<
    Fuses: FuseBank, Counters: CounterBank, Flash: FlashMemory, Entropy: EntropySource,
    Engine: CryptoEngine
>: Board {
    public let fuses: Fuses
    public let counters: Counters
    public let flash: Flash
    public let entropy: Entropy
    public let engine: Engine

    public init(fuses: Fuses, counters: Counters, flash: Flash, entropy: Entropy, engine: Engine) {
        self.fuses = fuses
        self.counters = counters
        self.flash = flash
        self.entropy = entropy
        self.engine = engine
    }
}
