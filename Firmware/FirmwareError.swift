// The firmware's one error type. Every case maps to the status the host is told; none carries a
// secret, so an error can be logged by whoever catches it.

import CofferProtocol

/// Why a firmware operation did not complete.
public enum FirmwareError: Error, Equatable {
    /// The vault refuses the request with this status; the device state is unchanged unless the
    /// status says otherwise (e.g. `recordDestroyed`).
    case refused(VaultStatus)
    /// A HAL operation failed; a durable sequence stopped at a safe point.
    case hal(HALError)
    /// The fuses were burned for another OPAQUE suite than this firmware serves (or this firmware's
    /// suite has no `VaultSuite` identifier): the firmware does not boot.
    case suiteMismatch(fused: VaultSuite, firmware: VaultSuite)

    /// The status to answer with.
    public var status: VaultStatus {
        switch self {
        case .refused(let status): status
        case .hal(.cryptoFailure), .suiteMismatch: .internalError
        case .hal: .storageFailure
        }
    }
}

/// Runs a HAL call and files its error as `FirmwareError.hal`: `try hal(try counters.read(i))`.
@inline(__always)
func hal<T>(_ body: @autoclosure () throws(HALError) -> T) throws(FirmwareError) -> T {
    do {
        return try body()
    } catch {
        throw .hal(error)
    }
}
