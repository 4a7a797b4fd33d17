import CofferCrypto
import CofferProtocol

/// Why a vault operation did not go through, as a person needs to hear it.
public enum VaultError: Error, Equatable, Sendable {
    /// The device could not be reached or broke CTAPHID.
    case device(DeviceError)
    /// The password did not open the record (or no record has this id: the two look alike).
    /// `attemptsRemaining` is what the device said, nil when it said nothing.
    case wrongPassword(attemptsRemaining: UInt8?)
    /// The record's guess limit was reached and the key destroyed; `justNow` when this very guess
    /// used the last attempt.
    case keyDestroyed(justNow: Bool)
    /// The whole device was zeroized: every key on it is gone.
    case deviceZeroized
    /// The device is not serving the vault yet (blank, manufactured, provisioning).
    case notOperational(Lifecycle)
    /// A record with this id exists; replacing it means deleting it first.
    case credentialExists
    /// The device refused with this status.
    case refused(VaultStatus, operation: VaultOperation)
    /// The device's identity signature over its AKE key does not verify.
    case identityInvalid(serial: UInt64)
    /// The device presents an identity key other than the one pinned for its serial number.
    case pinnedKeyChanged(serial: UInt64, pinned: String, presented: String, pinFile: String)
    /// At registration the device's OPAQUE key differs from the one its identity signed.
    case akeKeyMismatch
    /// The device's OPAQUE messages did not authenticate (server MAC), though the password did.
    case serverAuthenticationFailed
    /// A reply that does not follow its byte layout.
    case malformedReply(VaultOperation)
    /// The pin file could not be read or written.
    case pinStore(path: String, reason: String)
    /// A credential id outside 1...64 bytes.
    case invalidCredentialID
    /// The device at a pinned address presents another identity (key or serial) than its pin.
    case deviceIdentityChanged(pinned: DevicePin, presented: DevicePin)
    /// A pin file that cannot be read as a pin; it is refused, never replaced.
    case pinFileCorrupt(path: String, reason: String)
    /// `forget` of an address that has no pin in `directory`.
    case noSuchPin(address: String, directory: String)
    /// None of `$COFFER_PIN_DIR`, `$XDG_CONFIG_HOME` and `$HOME` is set: nowhere to keep pins.
    case pinDirectoryUnknown

    // Protocol 2: what the device signs and binds, checked.

    /// The RegisterStart answer is not signed by the device's identity over this request: a relay
    /// may have changed the OPRF evaluation or the limit. Nothing was registered.
    case registrationNotAuthenticated
    /// The device would give the record another guess limit than the one asked for (its policy caps
    /// it). Nothing was registered.
    case attemptLimitNotApplied(asked: UInt8, applied: UInt8)
    /// An ok answer whose session binding does not verify: the device may not have done it.
    case replyNotAuthenticated(VaultOperation)
    /// The device serves an OPAQUE suite this client does not know (GetInfo's suite byte).
    case unsupportedSuite(UInt8)

    // Realm mode: the realm is pinned by its manifest.

    /// The member answering for the realm is not one the manifest lists (or is an emulator serving a
    /// production realm).
    case notARealmMember(serial: UInt64)
    /// The realm's answer carries another AKE key or suite than the manifest pins.
    case realmKeyMismatch
    /// The id asked for is not the account the token names.
    case notTheTokensAccount(id: String, account: String)
    /// A manifest file that cannot be used: what and where.
    case manifestUnusable(path: String, reason: String)
}

extension VaultError: CofferFailure {
    public var exitStatus: ExitStatus {
        switch self {
        case .device(let error): error.exitStatus
        case .wrongPassword: .wrongPassword
        case .keyDestroyed, .deviceZeroized: .keyDestroyed
        case .invalidCredentialID: .usage
        case .notOperational, .credentialExists, .refused, .identityInvalid, .pinnedKeyChanged, .akeKeyMismatch,
            .serverAuthenticationFailed, .malformedReply, .pinStore, .registrationNotAuthenticated,
            .attemptLimitNotApplied, .replyNotAuthenticated, .deviceIdentityChanged, .pinFileCorrupt,
            .noSuchPin, .pinDirectoryUnknown, .unsupportedSuite, .notARealmMember, .realmKeyMismatch,
            .manifestUnusable:
            .failure
        case .notTheTokensAccount: .usage
        }
    }

    public var message: String {
        switch self {
        case .device(let error):
            return error.message
        case .wrongPassword(let remaining?):
            let attempts = remaining == 1 ? "1 attempt" : "\(remaining) attempts"
            return "wrong password: \(attempts) remaining before the key is destroyed"
        case .wrongPassword(nil):
            return "wrong password"
        case .keyDestroyed(let justNow):
            return justNow
                ? "wrong password, and that was the last attempt: the key is destroyed for good"
                : "the key is destroyed: its guess limit was reached"
        case .deviceZeroized:
            return "the device was zeroized: every key on it is destroyed"
        case .notOperational(let lifecycle):
            return "the device is not serving the vault (lifecycle: \(lifecycle)); "
                + "provision it with `cofferctl admin provision`"
        case .credentialExists:
            return "a record with this id exists on the device; delete it first to replace it"
        case .refused(let status, let operation):
            return "the device refused \(operation): \(status)"
        case .identityInvalid(let serial):
            return "DEVICE IDENTITY INVALID: device \(VaultError.serialText(serial)) signs its keys with a "
                + "signature that does not verify. Refusing to talk to it."
        case .pinnedKeyChanged(let serial, let pinned, let presented, let pinFile):
            return """
                WARNING: DEVICE IDENTITY CHANGED for serial \(VaultError.serialText(serial))
                  pinned:    \(pinned)
                  presented: \(presented)
                Another device is answering under this serial, or the device was replaced. Refusing to continue.
                If you replaced the device on purpose, remove \(pinFile) and try again.
                """
        case .akeKeyMismatch:
            return "the device's OPAQUE key is not the one its identity signed; refusing to register"
        case .serverAuthenticationFailed:
            return "the device failed OPAQUE server authentication; refusing its answer"
        case .malformedReply(let operation):
            return "the device answered \(operation) with bytes that do not follow the protocol"
        case .pinStore(let path, let reason):
            return "\(path): \(reason)"
        case .invalidCredentialID:
            return "an id is 1 to \(VaultLimits.credentialIDMaxLength) bytes of UTF-8"
        case .registrationNotAuthenticated:
            return "the device's registration answer is not signed by its identity for this request "
                + "(something between here and the device changed it); nothing was registered"
        case .attemptLimitNotApplied(let asked, let applied):
            return "the device would give this record a guess limit of \(applied), not the \(asked) asked for "
                + "(the device caps limits at its policy); nothing was registered"
        case .replyNotAuthenticated(let operation):
            return "the device's answer to \(operation) is not bound to this session (something between here "
                + "and the device made it up); do not assume it was done"
        case .deviceIdentityChanged(let pinned, let presented):
            return """
                WARNING: DEVICE IDENTITY CHANGED at \(pinned.address)
                  pinned:    serial \(pinned.serialText), identity \(pinned.fingerprint)
                  presented: serial \(presented.serialText), identity \(presented.fingerprint)
                Another device is answering at this address: a relay or the host may be sending you elsewhere,
                or the device was replaced. Refusing to continue; no password or key was sent to it.
                Pin file: \(pinned.file)
                Only if you replaced the device on purpose and checked the presented fingerprint, run the command
                again with --trust-new-device (or remove the pin: cofferctl pins forget \(pinned.address)).
                """
        case .pinFileCorrupt(let path, let reason):
            return "\(path): not a usable pin: \(reason). Refusing to trust or replace it; check it, then remove it "
                + "(cofferctl pins forget ADDRESS) to pin the device anew"
        case .noSuchPin(let address, let directory):
            return "no pin for \(address) in \(directory) (cofferctl pins lists them)"
        case .unsupportedSuite(let raw):
            return "the device serves OPAQUE suite \(raw), which this cofferctl does not know "
                + "(it speaks \(VaultSuite.known.map(\.name).joined(separator: " and ")))"
        case .pinDirectoryUnknown:
            return "nowhere to keep device pins: set $\(DevicePins.environmentVariable), $XDG_CONFIG_HOME or $HOME"
        case .notARealmMember(let serial):
            return "REALM MEMBER UNKNOWN: device \(VaultError.serialText(serial)) answers for the realm but is not "
                + "a member its manifest lists (or is an emulator in a production realm). Refusing to continue; "
                + "no password was used."
        case .realmKeyMismatch:
            return "the realm answers with another OPAQUE key or suite than its manifest pins; refusing to continue"
        case .notTheTokensAccount(let id, let account):
            return "--id \(id) is not the account your token is for (\(account)); in a realm the id is the account"
        case .manifestUnusable(let path, let reason):
            return "\(path): not a usable realm manifest: \(reason)"
        }
    }

    /// A serial number as printed everywhere: 16 hex digits.
    static func serialText(_ serial: UInt64) -> String {
        Hex.encode((0..<8).map { UInt8(truncatingIfNeeded: serial >> (56 - 8 * $0)) })
    }
}
