// The first byte of every vault reply. Extend-only: a code, once published in docs/PROTOCOL.md, keeps
// its number and meaning forever (the habit of OpenTitan's error.h), so old hosts read new devices.

/// What the vault made of a request. Carried as the first byte of the reply; a body follows only
/// after `ok`.
public enum VaultStatus: UInt8, Equatable, Sendable {
    /// Done; the operation's reply body follows.
    case ok = 0x00
    /// The request does not follow its byte layout (truncated, trailing bytes, a length out of range,
    /// an undefined value).
    case malformed = 0x01
    /// The request names a protocol version the device does not speak.
    case unsupportedVersion = 0x02
    /// The command byte names no vault operation.
    case unknownOperation = 0x03
    /// The operation is not allowed in the device's lifecycle state (see GetInfo).
    case notAllowedInState = 0x04
    /// RegisterStart/RegisterFinish for a credential id that already has a record.
    case credentialExists = 0x05
    /// No free slot (nor tombstone that could give way) for a new record.
    case storeFull = 0x06
    /// LoginFinish on a channel with no pending login (never started, evicted, or already finished).
    case noPendingLogin = 0x07
    /// LoginFinish with a KE3 that did not verify: wrong password, or an id that has no record.
    case authenticationFailed = 0x08
    /// The record reached its attempt limit and was destroyed; its key is gone for good.
    case recordDestroyed = 0x09
    /// The record's slot failed its seal or version check (edited or rolled-back flash). The slot is
    /// not used and not reset.
    case slotDamaged = 0x0A
    /// Deposit on a record that already holds a backup key (replace = delete, register, deposit).
    case keyAlreadyDeposited = 0x0B
    /// Recover on a record that holds no backup key yet.
    case noKeyDeposited = 0x0C
    /// An attempt limit outside 1...255.
    case invalidAttemptLimit = 0x0D
    /// A durable write or read did not complete; the device state is the old or the new one.
    case storageFailure = 0x0E
    /// Zeroize named a serial number that is not this device's.
    case confirmationMismatch = 0x0F
    /// The external flash does not hold this device's store (foreign, unformatted or edited header).
    case storeUnavailable = 0x10
    /// A deposited backup key did not open under the session's transport key.
    case sealedKeyRejected = 0x11
    /// The device failed internally (a crypto engine refusal); nothing was changed.
    case internalError = 0x12
    /// RegisterFinish with no registration started on the channel for that id (never started,
    /// evicted, already finished, or replayed).
    case noPendingRegistration = 0x13
    /// LoginFinish whose session binding does not verify: the intent, the sealed key or the tag was
    /// changed on the way. Nothing was done; the attempt stays counted.
    case requestNotAuthenticated = 0x14
    /// Counters asked for per-slot counters of a device that shows them to its operator only.
    case operatorOnly = 0x15
    /// A realm's leader stepped down (another entry took the log index its batch was meant for)
    /// before this request committed: nothing it asked for happened and no attempt was counted.
    /// Send it again.
    case abandoned = 0x16
    /// The chip has joined a realm: it serves vault requests only as a member, through its realm's
    /// agent (docs/PROTOCOL.md §11.8); GetInfo, Counters and Zeroize still work. One chip has one role.
    case realmMember = 0x17
}
