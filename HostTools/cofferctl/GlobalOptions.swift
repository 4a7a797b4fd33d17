import ArgumentParser
import CofferHost
import Foundation

/// The options every command takes, before or after its name.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The device: embedded[:STATE_DIR], udp://HOST:PORT or usb[:VID:PID][@SERIAL].",
        discussion: "Default: $COFFER_DEVICE, else embedded (the firmware in this process, in memory).",
        valueName: "url"))
    var device: String?

    @Flag(help: "Print results as JSON on stdout.")
    var json = false

    func validate() throws {
        _ = try address()
    }

    /// The device address from --device, else COFFER_DEVICE, else the default.
    func address() throws -> DeviceAddress {
        guard let text = device ?? ProcessInfo.processInfo.environment["COFFER_DEVICE"], !text.isEmpty else {
            return .standard
        }
        do {
            return try DeviceAddress(parsing: text)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// A channel to the device.
    func transport() throws -> CTAPHIDTransport {
        try DeviceConnector.open(address())
    }

    /// A vault client of the device, pinning its identity unless it lives only in this process.
    func vaultClient() throws -> VaultClient {
        let address = try address()
        let transport = try DeviceConnector.open(address)
        let pins: DevicePins? =
            address == .embedded(stateDirectory: nil)
            ? nil : DevicePins.standard(environment: ProcessInfo.processInfo.environment)
        return VaultClient(transport: transport, pins: pins)
    }
}
