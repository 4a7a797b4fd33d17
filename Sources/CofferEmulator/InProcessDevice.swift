import CofferFirmware
import Logging

/// A device in a state directory, booted inside the calling process rather than served over UDP:
/// `cofferctl --device embedded:DIR`. It makes the device first when the directory holds none, as
/// `serve` does, and holds the state directory's lock for as long as it lives.
public final class InProcessDevice {
    /// The chip, to be fed reports (its `ReportEndpoint` side), of the device's suite.
    public let chip: EmulatorChip
    /// Damage the device was opened with (a store header that does not open, a counter page fallen
    /// back from), each logged at open.
    public let warnings: [StateWarning]
    private let device: EmulatedDevice

    /// Opens (or creates, manufactures and provisions) the device in `settings.stateDirectory`.
    public init(_ settings: EmulatorSettings, logger: Logger = Logger(label: "coffer.emulator")) throws(EmulatorError) {
        device = try EmulatedDevice(settings, create: true, logger: logger)
        try device.finishInitialisation()
        chip = try device.boot(.run)
        warnings = device.warnings(try device.info(chip))
        Emulator.warn(warnings, logger: logger)
    }

    deinit {
        device.media.releaseLock()
    }
}
