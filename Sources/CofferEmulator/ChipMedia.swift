import CofferFirmware
import Logging

/// The chip's media in a state directory, opened together under the directory's lock.
public final class ChipMedia {
    /// Where they live.
    public let directory: StateDirectory
    /// The one-time-programmable fuses.
    public let fuses: FuseFile
    /// The on-chip monotonic counters.
    public let counters: CounterFile
    /// The external flash.
    public let flash: FlashImage
    /// The power supply every durable write goes through.
    public let powerCut: PowerCut
    /// The files this open created (a new chip, or media missing while the fuses were blank).
    public let created: [String]
    private let lock: StateLock

    /// Opens the media in `directory`, taking its lock first. The on-chip counter bank fixes the
    /// chip's size: `flashGeometry` maps its number of counters to the flash geometry that goes with
    /// it (nil: no chip of this firmware has that many counters).
    ///
    /// A chip whose fuses are blank holds nothing secret and nothing derived from a secret, so a
    /// missing `counters` (with `newCounterCount` counters) or `flash.img` is created, whether the
    /// chip is new or an `init` was cut short by a power cut; `newCounterCount` nil creates nothing.
    /// Once the fuses are burned a missing file is refused; and a file that is present but corrupt,
    /// truncated or foreign is always refused, never re-created.
    public init(
        directory: StateDirectory,
        newCounterCount: Int?,
        flashGeometry: (Int) -> FlashGeometry?,
        powerCut: PowerCut,
        logger: Logger = Logger(label: "coffer.emulator.state")
    ) throws(StateFileError) {
        self.directory = directory
        self.powerCut = powerCut
        if newCounterCount != nil {
            try directory.create()
        } else if !DurableDirectory.exists(directory.path) {
            throw StateFileError(path: directory.path, problem: .missing)
        }
        lock = try StateLock(directory: directory.path)
        fuses = try FuseFile(path: directory.fusesPath, powerCut: powerCut)
        let mayCreate = fuses.isBlank && newCounterCount != nil
        var created: [String] = []

        if let newCounterCount, mayCreate, !DurableDirectory.exists(directory.countersPath) {
            try CounterFile.create(path: directory.countersPath, count: newCounterCount, powerCut: powerCut)
            created.append(directory.countersPath)
        }
        counters = try CounterFile(path: directory.countersPath, powerCut: powerCut)
        try Self.checkBinding(of: counters, to: fuses)
        fuses.beforeBurn = { [counters] (new: FuseContents) throws(HALError) in
            try counters.bind(to: CounterDeviceTag(fuses: new))
        }
        guard let geometry = flashGeometry(counters.count) else {
            throw StateFileError(
                path: directory.countersPath,
                problem: .malformed("\(counters.count) counters fit no chip layout of this firmware")
            )
        }
        if mayCreate, !DurableDirectory.exists(directory.flashPath) {
            try FlashImage.create(path: directory.flashPath, geometry: geometry, powerCut: powerCut)
            created.append(directory.flashPath)
        }
        flash = try FlashImage(path: directory.flashPath, geometry: geometry, powerCut: powerCut)
        self.created = created
        for path in created {
            logger.info("created \(path)")
        }
    }

    /// Refuses a counter bank that is not this device's: once the fuses are burned the bank must be
    /// bound to them (it is bound right before the burn). Blank fuses accept any bank: it may be
    /// unbound, or bound by a burn that a power cut stopped, which the next burn binds again.
    private static func checkBinding(of counters: CounterFile, to fuses: FuseFile) throws(StateFileError) {
        guard let burned = try? fuses.read() else { return }
        let tag = counters.deviceTag
        guard !tag.matches(CounterDeviceTag(fuses: burned)) else { return }
        throw StateFileError(path: counters.path, problem: tag.isUnbound ? .boundToNoDevice : .belongsToAnotherDevice)
    }

    /// Drops the directory's lock now (it also goes when this object does, or the process ends).
    public func releaseLock() {
        lock.release()
    }
}
