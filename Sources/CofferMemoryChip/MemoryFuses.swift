// One-time-programmable fuses in RAM.

import CofferFirmware

/// Fuses held in memory: blank until burned once.
public final class MemoryFuses: FuseBank {
    private var contents: FuseContents?
    private let power: PowerCut

    /// Blank fuses, or already-burned ones when `contents` is given (a device built at the factory).
    public init(contents: FuseContents? = nil, power: PowerCut = PowerCut()) {
        self.contents = contents
        self.power = power
    }

    public func read() throws(HALError) -> FuseContents? { contents }

    public func burn(_ contents: FuseContents) throws(HALError) {
        guard self.contents == nil else { throw .alreadyBurned }
        guard contents.uds.count == FuseContents.udsLength else { throw .outOfRange }
        try power.admitWrite()
        self.contents = contents
    }
}
