import CofferProtocol

extension VaultStatus {
    /// What the status means to a person: what happened, and what to do about it.
    public var sentence: String {
        switch self {
        case .ok: "done"
        case .malformed:
            "the device could not read the request (it does not follow the byte layout): this cofferctl and the "
                + "device may speak different protocol versions"
        case .unsupportedVersion: "the device speaks another protocol version: use a cofferctl of the device's version"
        case .unknownOperation: "the device does not know this operation: it may run older firmware"
        case .notAllowedInState:
            "the device cannot do that in its current state (cofferctl info shows it): the vault needs an "
                + "operational device, and admin provision a blank or manufactured one"
        case .credentialExists: "a record with this id exists on the device; delete it first to replace it"
        case .storeFull:
            "the device has no free slot for a new record: delete a record no longer needed (cofferctl delete), "
                + "or use another device"
        case .noPendingLogin:
            "the device had no login in progress for this request (another client took its place, or it was "
                + "finished): run the command again"
        case .authenticationFailed: "wrong password"
        case .recordDestroyed: "the key is destroyed: its guess limit was reached"
        case .slotDamaged:
            "the record's slot in the device's flash is damaged or rolled back (edited, or restored from an older "
                + "copy), and the device refuses to trust it: restore the newest flash.img, or delete the record and "
                + "register again"
        case .keyAlreadyDeposited: "the record already holds a key: delete it and register again to replace it"
        case .noKeyDeposited: "the record holds no key (its registration did not finish): delete it and register again"
        case .invalidAttemptLimit: "the guess limit is outside 1 to 255"
        case .storageFailure:
            "the device could not complete a write or read of its storage; its state is the old one or the new one: "
                + "run the command again, and check the device's storage (the emulator's log)"
        case .confirmationMismatch:
            "the serial number given is not this device's (cofferctl info shows it); nothing was zeroized"
        case .storeUnavailable:
            "the device's flash does not hold its store (a foreign, unformatted or edited header), so no record can "
                + "be served: check flash.img (coffer-emulator inspect), or restore it from a copy"
        case .sealedKeyRejected:
            "the device could not open the key sent to it (it was changed on the way); nothing was stored: run the "
                + "command again"
        case .internalError:
            "the device failed internally; nothing was changed: run the command again, and report it if it persists"
        case .noPendingRegistration:
            "the device had no registration in progress for this id on this channel (another client took its place, "
                + "or the answer was replayed): run register again"
        case .requestNotAuthenticated:
            "the device found the request changed on the way (its session binding does not verify); nothing was "
                + "done, but the attempt stays counted"
        case .operatorOnly:
            "the device shows per-slot counters to its operator only (coffer-emulator serve --slot-counters)"
        case .abandoned:
            "the realm's leader stepped down before the request committed; nothing was done and no attempt was "
                + "counted: run the command again"
        case .realmMember:
            "the device has joined a realm and serves the vault only through its realm's agent: use the realm, "
                + "or zeroize the device to use it alone"
        }
    }
}

extension VaultError {
    /// The message, with a device's status as a sentence rather than its name.
    public var explanation: String {
        switch self {
        case .refused(.notAllowedInState, .provision):
            "the device is provisioned already: admin provision is for a blank or manufactured device (a new "
                + "board); coffer-emulator and embedded devices are provisioned when they are made (their "
                + "--attempt-limit and --max-attempt-limit set the policy)"
        case .refused(let status, let operation):
            // The status's name stays at the end, for bug reports and docs/PROTOCOL.md's table.
            "the device refused \(operation): \(status.sentence) (device status \(status))"
        default:
            message
        }
    }
}

/// What a failure means to a person and to a script: its message and, for a login, the attempts left.
public enum FailureText {
    /// The message for stderr, device statuses as sentences.
    public static func message(_ failure: any CofferFailure) -> String {
        if let vault = failure as? VaultError { return vault.explanation }
        if let lost = failure as? GuessMayHaveCounted { return lost.underlying.explanation + lost.note }
        return failure.message
    }

    /// The attempts remaining the device reported (0 once the key is destroyed); nil when unknown.
    public static func attemptsRemaining(_ failure: any CofferFailure) -> Int? {
        switch failure as? VaultError {
        case .wrongPassword(let remaining?)?: Int(remaining)
        case .keyDestroyed?, .deviceZeroized?: 0
        default: nil
        }
    }
}
