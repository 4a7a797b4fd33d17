/// Why the emulator stopped or refused to start. The description is the message for stderr.
public enum EmulatorError: Error, CustomStringConvertible {
    /// A state file (or the directory) was refused or could not be read or written.
    case state(StateFileError)
    /// The socket could not be set up.
    case socket(SocketError)
    /// The ready file could not be written.
    case readyFile(StateFileError)
    /// A setting contradicts the device in the state directory.
    case settings(String)
    /// The firmware could not boot or refused a step of `init`.
    case device(String)
    /// `init` found a device already made.
    case alreadyInitialised(String)
    /// `inspect` found no device.
    case noDevice(String)
    /// A write the chip depended on did not become durable while serving: the emulator halted.
    case halted(String)

    public var description: String {
        switch self {
        case .state(let error): return error.description
        case .socket(let error): return "cannot serve on \(error)"
        case .readyFile(let error): return "cannot write the ready file: \(error)"
        case .settings(let message): return message
        case .device(let message): return message
        case .alreadyInitialised(let message): return message
        case .noDevice(let message): return message
        case .halted(let message): return message
        }
    }

    /// The process exit status for this error (see `EmulatorExitStatus`).
    public var exitStatus: Int32 {
        switch self {
        case .state(let error):
            switch error.problem {
            case .locked: return EmulatorExitStatus.stateInUse
            case .system: return EmulatorExitStatus.ioError
            case .powerCut: return EmulatorExitStatus.powerCut
            default: return EmulatorExitStatus.stateRefused
            }
        case .socket: return EmulatorExitStatus.unavailable
        case .readyFile: return EmulatorExitStatus.ioError
        case .settings: return EmulatorExitStatus.usage
        case .device: return EmulatorExitStatus.failure
        case .alreadyInitialised: return EmulatorExitStatus.alreadyInitialised
        case .noDevice: return EmulatorExitStatus.noDevice
        case .halted: return EmulatorExitStatus.ioError
        }
    }
}
