// Which operation each lifecycle state allows. One table, read by the dispatcher before anything
// else runs, so a state never reaches code that assumes another.

import CofferProtocol

extension Lifecycle {
    /// The lifecycle encoded by the on-chip lifecycle counter and the fuses. The counter only rises,
    /// so no flash rollback can move the device back (e.g. out of `zeroized`). Public so that a body
    /// can tell, before booting the firmware, whether a device has any initialisation left to do.
    public init(counter: UInt32, fusesBurned: Bool) {
        switch counter {
        case 3...: self = .zeroized
        case _ where !fusesBurned: self = .blank
        case 0: self = .manufactured
        case 1: self = .provisioned
        default: self = .operational
        }
    }

    /// The lifecycle counter value at which this state begins (for the states that it encodes).
    static func counterValue(of state: Lifecycle) -> UInt32 {
        switch state {
        case .blank, .manufactured: 0
        case .provisioned: 1
        case .operational: 2
        case .zeroized: 3
        }
    }

    /// True when `operation` may run in this state; anything else is answered `notAllowedInState`.
    ///
    /// | operation            | blank | manufactured | provisioned | operational | zeroized |
    /// |----------------------|-------|--------------|-------------|-------------|----------|
    /// | GetInfo, Counters    | yes   | yes          | yes         | yes         | yes      |
    /// | Manufacture          | yes   |              |             |             |          |
    /// | Provision            |       | yes          | yes         |             |          |
    /// | Register*, Login*    |       |              |             | yes         |          |
    /// | Zeroize              |       | yes          | yes         | yes         |          |
    public func allows(_ operation: VaultOperation) -> Bool {
        switch operation {
        case .getInfo, .counters: true
        case .manufacture: self == .blank
        case .provision: self == .manufactured || self == .provisioned
        case .registerStart, .registerFinish, .loginStart, .loginFinish: self == .operational
        case .zeroize: self == .manufactured || self == .provisioned || self == .operational
        }
    }
}
