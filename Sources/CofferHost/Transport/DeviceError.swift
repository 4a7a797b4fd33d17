import CofferCrypto
import CTAPHID

/// Why a device could not be reached or did not answer as CTAPHID prescribes.
public enum DeviceError: Error, Equatable, Sendable {
    /// The device address does not parse; `reason` says what is wrong with it.
    case invalidAddress(String, reason: String)
    /// No device answers at the address: nothing listens, no such USB device, a socket error.
    case unreachable(device: String, reason: String)
    /// The device stopped answering mid-exchange or never answered within the timeout.
    case noResponse(device: String, afterMilliseconds: Int)
    /// Another program holds the device: `holder` says who (another host's CTAPHID transaction,
    /// or another process that claimed the USB interface).
    case busy(device: String, holder: String)
    /// The operating system refused to open the device node.
    case permissionDenied(device: String, node: String)
    /// The operating system refused access to an `embedded:DIR` state directory or a file in it.
    case stateDirectoryDenied(device: String, reason: String)
    /// The device broke CTAPHID framing (wrong channel, sequence, length, nonce).
    case protocolViolation(device: String, CTAPHIDHostError)
    /// The device answered CTAPHID_ERROR with this code.
    case refused(device: String, CTAPHIDErrorCode)
    /// A request too long for one CTAPHID message (a local bug: callers bound their requests).
    case requestTooLong(length: Int)
    /// A PING answered with other bytes than were sent.
    case echoMismatch(device: String)
    /// A realm's front-end answered with HTTP `status` (not 200) and this reason: a bad or expired token
    /// (401), a record that is not the account's (403), too many requests (429), no majority (503).
    case frontendRefused(device: String, status: Int, reason: String)
}

extension DeviceError: CofferFailure {
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidAddress: .usage
        case .unreachable, .noResponse, .busy: .unavailable
        case .permissionDenied, .stateDirectoryDenied: .permissionDenied
        case .protocolViolation, .refused, .requestTooLong, .echoMismatch: .failure
        case .frontendRefused(_, let status, _):
            switch status {
            case 401, 403: .permissionDenied
            case 408, 429, 502, 503, 504: .unavailable
            default: .failure
            }
        }
    }

    public var message: String {
        switch self {
        case .invalidAddress(let address, let reason):
            return "invalid device address '\(address)': \(reason)\n"
                + "addresses: embedded[:STATE_DIR], udp://HOST:PORT, usb[:VID:PID][@SERIAL], https://HOST[:PORT]"
        case .unreachable(let device, let reason):
            return "\(device): unreachable: \(reason)"
        case .noResponse(let device, let milliseconds):
            return "\(device): no answer within \(milliseconds) ms"
        case .busy(let device, let holder):
            return "\(device): busy: \(holder)"
        case .permissionDenied(let device, let node):
            return "\(device): permission denied opening \(node).\n" + USBIdentity.udevAdvice
        case .stateDirectoryDenied(let device, let reason):
            return "\(device): permission denied: \(reason)"
        case .protocolViolation(let device, let error):
            return "\(device): broke the CTAPHID protocol (\(error))"
        case .refused(let device, let code):
            return "\(device): refused the request (CTAPHID error 0x\(Hex.encode([code.rawValue])))"
        case .requestTooLong(let length):
            return "a \(length)-byte request does not fit one CTAPHID message"
        case .echoMismatch(let device):
            return "\(device): answered PING with other bytes than were sent"
        case .frontendRefused(let device, let status, let reason):
            return "\(device): the front-end answered HTTP \(status)" + (reason.isEmpty ? "" : ": \(reason)")
        }
    }
}
