/// The process exit statuses of Coffer's host tools, one per kind of outcome a script may want to
/// tell apart. The numbers follow BSD sysexits where one fits (64, 65, 69, 77). Extend-only.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The command did what was asked.
    case success = 0
    /// Anything not listed below.
    case failure = 1
    /// The password was wrong (the device says how many attempts remain, when it knows).
    case wrongPassword = 10
    /// The key is destroyed: its guess limit was reached, or the device was zeroized.
    case keyDestroyed = 11
    /// The command line was wrong (EX_USAGE).
    case usage = 64
    /// An input file is corrupt, tampered with, truncated or opened with the wrong key (EX_DATAERR).
    case dataError = 65
    /// The device could not be reached, did not answer, or is held by another program (EX_UNAVAILABLE).
    case unavailable = 69
    /// A result could not be written: standard output or an output file failed (EX_IOERR). Nothing
    /// is delivered; a secret among it is not shown anywhere else.
    case outputFailed = 74
    /// The operating system refused access to the device (EX_NOPERM); see the udev rule.
    case permissionDenied = 77

    /// One line for a README table: what the status means.
    public var meaning: String {
        switch self {
        case .success: "ok"
        case .failure: "anything else"
        case .wrongPassword: "wrong password (attempts remaining printed when the device says)"
        case .keyDestroyed: "key destroyed (guess limit reached, or the device zeroized)"
        case .usage: "usage: bad option, argument or device address"
        case .dataError: "corrupt, tampered, truncated or wrong-key input"
        case .unavailable: "device unreachable, not answering, or busy"
        case .outputFailed: "the result could not be written (stdout or an output file failed)"
        case .permissionDenied: "permission denied on the device (install the udev rule)"
        }
    }
}

/// An error the host tools explain to a person and map to an exit status.
public protocol CofferFailure: Error {
    /// The exit status the CLI ends with.
    var exitStatus: ExitStatus { get }
    /// One or more lines for stderr, never containing a secret.
    var message: String { get }
}
