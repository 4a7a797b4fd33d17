#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// truncated or foreign is always refused, never re-created. A flash image of the size
    /// `storeOnlyFlashGeometry` gives (made before the realm area existed) is grown by erased pages to
    /// `flashGeometry`'s: what it held stays where it was.
    public init(
        directory: StateDirectory,
        newCounterCount: Int?,
        flashGeometry: (Int) -> FlashGeometry?,
        storeOnlyFlashGeometry: (Int) -> FlashGeometry? = { _ in nil },
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
        let mayCreate = try Self.checkBeforeCreating(directory, fuses: fuses, create: newCounterCount != nil)
        var created: [String] = []

        if let newCounterCount, mayCreate, !DurableDirectory.exists(directory.countersPath) {
            try CounterFile.create(path: directory.countersPath, count: newCounterCount, powerCut: powerCut)
            created.append(directory.countersPath)
        }
        counters = try CounterFile(path: directory.countersPath, powerCut: powerCut)
        try Self.checkNothingCounted(counters, fuses: fuses, directory: directory)
        try Self.checkBinding(of: counters, to: fuses)
        fuses.beforeBurn = { [counters] (new: FuseContents) throws(HALError) in
            try counters.bind(to: CounterDeviceTag(fuses: new))
            try counters.commit()
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
        if let storeOnly = storeOnlyFlashGeometry(counters.count), DurableDirectory.exists(directory.flashPath),
            try FlashImage.addRealmArea(path: directory.flashPath, from: storeOnly, to: geometry, powerCut: powerCut)
        {
            let added = geometry.byteCount - storeOnly.byteCount
            logger.notice("\(directory.flashPath): added the realm area (\(added) bytes, erased) after the store, which is unchanged")
        }
        flash = try FlashImage(path: directory.flashPath, geometry: geometry, powerCut: powerCut)
        flash.beforeWrite = { [counters] () throws(HALError) in try counters.commit() }
        self.created = created
        for path in created {
            logger.info("created \(path)")
        }
    }

    /// Groups counter writes (`CounterFile.groupsCommits`): changes wait in RAM until `commit()`, which
    /// whoever releases the chip's replies must call first. The flash and the fuses commit before each
    /// of their own writes whether or not this is on, so durable writes keep the chip's order.
    public func groupCommits(_ on: Bool) throws(HALError) {
        if !on { try counters.commit() }
        counters.groupsCommits = on
    }

    /// Makes every change the chip made durable: the counters' staged changes, in one write. Nothing
    /// else waits (flash and fuse writes are durable when they return).
    public func commit() throws(HALError) {
        try counters.commit()
    }

    /// Adds `delay` to every fsync of the counters and the flash (`serve --fsync-delay-ms`).
    public func slowDown(syncsBy delay: Duration?) {
        counters.syncDelay = delay
        flash.syncDelay = delay
    }

    /// Whether media of a blank chip may be created here. They may for a new device (the directory
    /// holds nothing but what a Coffer device leaves) and to finish an `init` cut short (its marker
    /// is there); a directory holding media without fuses and without the marker is a device whose
    /// fuses were lost, and making a new one would destroy every record for good: refused, naming
    /// `fuses` as missing, whether or not creating is allowed (so `inspect` says so too). Once the
    /// fuses are burned the marker has done its work and is removed.
    private static func checkBeforeCreating(_ directory: StateDirectory, fuses: FuseFile, create: Bool)
        throws(StateFileError) -> Bool
    {
        let marker = directory.initialisingPath
        guard fuses.isBlank else {
            if DurableDirectory.exists(marker) { unlink(marker) }
            return false
        }
        let initialising = DurableDirectory.exists(marker)
        if !directory.mediaFiles.isEmpty {
            guard initialising else { throw StateFileError(path: directory.fusesPath, problem: .missing) }
            return create
        }
        guard create else { return false }
        let foreign = directory.foreignEntries
        guard foreign.isEmpty else {
            let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", ..." : "")
            throw StateFileError(
                path: directory.path,
                problem: .malformed("not a Coffer state directory (it holds \(shown)); refusing to make a device "
                    + "in it: name a new or empty directory"))
        }
        if !initialising {
            try DurableDirectory.createExclusively(marker, bytes: Array("coffer init in progress\n".utf8))
        }
        return true
    }

    /// The marker alone does not prove an `init` was cut short: it stays until the next open after
    /// the burn, and the fuses may be lost meanwhile. An init cut before its burn has counted
    /// nothing (the burn comes before any counter but the boot count moves), so blank fuses beside
    /// a bank that counted anything else are a device whose fuses were lost: refused.
    private static func checkNothingCounted(_ counters: CounterFile, fuses: FuseFile, directory: StateDirectory)
        throws(StateFileError)
    {
        guard fuses.isBlank else { return }
        for index in 0..<counters.count where index != CounterLayout.boots {
            guard let value = try? counters.read(index), value == 0 else {
                throw StateFileError(path: directory.fusesPath, problem: .missing)
            }
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

    deinit {
        removeInitialisingMarker()
    }

    /// Drops the directory's lock now (it also goes when this object does, or the process ends).
    public func releaseLock() {
        removeInitialisingMarker()
        lock.release()
    }

    /// The `init` marker has done its work once the fuses are burned.
    private func removeInitialisingMarker() {
        if !fuses.isBlank && DurableDirectory.exists(directory.initialisingPath) { unlink(directory.initialisingPath) }
    }
}
