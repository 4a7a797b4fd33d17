@_exported import CofferHost
import CofferProtocol
import OPAQUE

/// A Coffer device inside the calling process, for an app's or a test suite's own tests: the real
/// firmware on memory (gone with the value) or on an emulator state directory (kept, and locked
/// while the value lives), reached through the same CTAPHID transport and vault client as any
/// device. Every command is the real one: guesses count, records are destroyed at their limit.
///
/// ```swift
/// let device = try TestDevice.inMemory()
/// let key = BackupKey.generate()
/// try device.register(id: "alice", password: "correct horse", key: key)
/// let recovered = try device.recover(id: "alice", password: "correct horse")  // == key
/// ```
public final class TestDevice {
    /// The vault client talking to the device: everything `cofferctl` does is here.
    public let client: VaultClient
    /// How the device is named (`embedded` or `embedded:DIR`).
    public let address: DeviceAddress

    /// A new device on memory, manufactured and provisioned (64 slots, guess limit 10, any limit up
    /// to 255 allowed), showing its per-slot counters.
    public static func inMemory() throws(DeviceError) -> TestDevice {
        try TestDevice(.embedded(stateDirectory: nil))
    }

    /// The device in the emulator state directory at `path`, made there first when the directory
    /// exists and is empty (as `cofferctl --device embedded:DIR`); a directory holding anything else
    /// is refused.
    public static func stateDirectory(_ path: String) throws(DeviceError) -> TestDevice {
        try TestDevice(.embedded(stateDirectory: path))
    }

    private init(_ address: DeviceAddress) throws(DeviceError) {
        self.address = address
        client = VaultClient(transport: try DeviceConnector.open(address), pins: nil)
    }

    /// Registers `id` under `password` with `key` deposited; returns the record's guess limit
    /// (`attemptLimit` nil: the device's default).
    @discardableResult
    public func register(id: String, password: String, key: SecretBytes, attemptLimit: UInt8? = nil)
        throws(VaultError) -> UInt8
    {
        try client.register(
            id: Array(id.utf8), password: SecretBytes(Array(password.utf8)), backupKey: key, attemptLimit: attemptLimit)
    }

    /// Recovers the key of `id`; a wrong password throws `VaultError` and spends a guess.
    public func recover(id: String, password: String) throws(VaultError) -> SecretBytes {
        try client.recover(id: Array(id.utf8), password: SecretBytes(Array(password.utf8)))
    }

    /// Deletes the record of `id` (inside a login, so the password is needed).
    public func delete(id: String, password: String) throws(VaultError) {
        try client.delete(id: Array(id.utf8), password: SecretBytes(Array(password.utf8)))
    }

    /// The device's counters: lifecycle, and each used slot's version and logins started.
    public func counters() throws(VaultError) -> CounterReport {
        CounterReport(try client.counters())
    }

    /// The device's description (serial, slots, records, guess limit, identity key).
    public func summary() throws(VaultError) -> DeviceSummary {
        try DeviceSummary.read(client)
    }
}
