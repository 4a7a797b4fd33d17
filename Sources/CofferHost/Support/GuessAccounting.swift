/// A login whose exchange broke off after LoginStart was sent: the device makes the guess durable
/// before it answers, so the guess may have counted although no answer came back.
public struct GuessMayHaveCounted: Error, CofferFailure {
    /// What broke the exchange.
    public let underlying: VaultError

    public var exitStatus: ExitStatus { underlying.exitStatus }

    public var message: String { underlying.message + note }

    /// What the break may have cost.
    var note: String {
        "\nthe device may have counted this as a guess (it counts each login before it answers); the next "
            + "attempt reports the attempts remaining"
    }
}

/// Wraps logins (recover, delete) so that an exchange lost midway says what it may have cost.
public enum GuessAccounting {
    /// Runs `login`; a device failure or malformed reply during it becomes `GuessMayHaveCounted`.
    /// The caller has already reached the device (its identity checked), so such a failure comes
    /// during the login itself, after LoginStart may have been counted.
    public static func login<Result>(_ login: () throws(VaultError) -> Result) throws -> Result {
        do {
            return try login()
        } catch {
            switch error {
            case .device, .malformedReply, .replyNotAuthenticated: throw GuessMayHaveCounted(underlying: error)
            default: throw error
            }
        }
    }
}
