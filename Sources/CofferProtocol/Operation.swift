// The vault's operations ride CTAPHID vendor commands (0x40...0x7F): the command byte of the message
// is the operation, its payload the request. Numbers are extend-only.

/// A vault operation, numbered as the CTAPHID vendor command that carries it.
public enum VaultOperation: UInt8, CaseIterable, Equatable, Sendable {
    /// Device description: serial, versions, lifecycle, slot usage, public keys.
    case getInfo = 0x40
    /// A page of the on-chip counters (operator view).
    case counters = 0x41
    /// OPAQUE registration, first half: RegistrationRequest in, RegistrationResponse out.
    case registerStart = 0x42
    /// OPAQUE registration, second half: the RegistrationRecord is stored in a free slot.
    case registerFinish = 0x43
    /// OPAQUE login, first half: KE1 in, KE2 and attempts remaining out (counts one attempt).
    case loginStart = 0x44
    /// OPAQUE login, second half: KE3 and an intent (deposit, recover, delete).
    case loginFinish = 0x45
    /// Factory step: generate and burn the unique device secret and the serial.
    case manufacture = 0x50
    /// Operator step: set the default attempt limit and format the secure store.
    case provision = 0x51
    /// Operator step: destroy every record and key for good (whole-device self-destruct).
    case zeroize = 0x52
}

/// The lifecycle state a device reports in GetInfo. Moves only forward.
public enum Lifecycle: UInt8, Equatable, Sendable {
    /// Fuses blank: no device secret yet.
    case blank = 0
    /// Device secret burned and keys derived; waiting for provisioning.
    case manufactured = 1
    /// Provisioning began (parameters fixed) but the store is not yet formatted; Provision resumes it.
    case provisioned = 2
    /// Serving the vault.
    case operational = 3
    /// Zeroized: keys and records destroyed, nothing more is served. Irreversible.
    case zeroized = 4
}

/// What a client does with an authenticated session (LoginFinish).
public enum LoginIntent: UInt8, Equatable, Sendable {
    /// Store the backup key sealed in the request (once, right after registration).
    case deposit = 1
    /// Return the backup key sealed under the session's transport key.
    case recover = 2
    /// Delete the record; its slot becomes free.
    case delete = 3
}
