import ArgumentParser
import CofferHost
import Foundation

/// The options every command takes, before or after its name.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The device: embedded[:STATE_DIR], udp://HOST:PORT, usb[:VID:PID][@SERIAL], or a realm's https://HOST[:PORT].",
        discussion: "Default: $COFFER_DEVICE, else embedded (the firmware in this process, in memory).",
        valueName: "url"))
    var device: String?

    @Flag(help: "Print results as JSON on stdout.")
    var json = false

    @Flag(help: ArgumentHelp(
        "Accept a device whose identity differs from the one pinned for this address, and pin it instead.",
        discussion: "Without it such a device is refused (exit 1). Check its fingerprint first."))
    var trustNewDevice = false

    @OptionGroup var realm: RealmClientOptions

    /// Only --device is checked here: $COFFER_DEVICE is read when a command needs a device, so a bad
    /// value there never stops `keygen` or `backup`, which use none.
    func validate() throws {
        if device != nil { _ = try address() }
    }

    /// The device address from --device, else COFFER_DEVICE, else the default.
    func address() throws -> DeviceAddress {
        guard let text = device ?? ProcessInfo.processInfo.environment["COFFER_DEVICE"], !text.isEmpty else {
            return .standard
        }
        do {
            return try DeviceAddress(parsing: text)
        } catch {
            throw ValidationError(error.message + (device == nil ? " (from $COFFER_DEVICE)" : ""))
        }
    }

    /// A channel to the device.
    func transport() throws -> CTAPHIDTransport {
        try DeviceConnector.open(address())
    }

    /// A vault client of the device, its identity pinned under the address given (unless it lives
    /// only in this process); pins written are announced on stderr.
    func vaultClient() throws -> VaultClient {
        let address = try address()
        if case .frontend(let url) = address { return try realm.client(frontend: url) }
        let transport = try DeviceConnector.open(address)
        // After opening: an embedded state directory exists now, so its path resolves fully.
        guard let pinAddress = address.pinAddress else { return VaultClient(transport: transport, pins: nil) }
        return VaultClient(transport: transport, pins: try pins(),
                           pinPolicy: PinPolicy(address: pinAddress, trustNewDevice: trustNewDevice) { verdict in
                               if let notice = verdict.notice { Output.note("cofferctl: " + notice) }
                           })
    }

    /// A vault client whose device identity is already checked against its pin: commands that ask
    /// for a password use it, so a device that is not the pinned one is refused before the prompt.
    func verifiedVaultClient() throws -> VaultClient {
        let client = try vaultClient()
        _ = try client.verifiedDevice()
        return client
    }

    /// The pin directory: `$COFFER_PIN_DIR`, else `$XDG_CONFIG_HOME/coffer/pins`, else `~/.config/coffer/pins`.
    func pins() throws(VaultError) -> DevicePins {
        guard let pins = DevicePins.standard(environment: ProcessInfo.processInfo.environment) else {
            throw .pinDirectoryUnknown
        }
        return pins
    }
}
