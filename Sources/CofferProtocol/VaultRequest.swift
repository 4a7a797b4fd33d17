// A whole request: the operation (the CTAPHID vendor command byte) and its payload, which is the
// protocol version followed by the operation's body.

/// A decoded vault request.
public enum VaultRequest: Equatable, Sendable {
    case getInfo
    case counters(CountersRequest)
    case registerStart(RegisterStartRequest)
    case registerFinish(RegisterFinishRequest)
    case loginStart(LoginStartRequest)
    case loginFinish(LoginFinishRequest)
    case manufacture(ManufactureRequest)
    case provision(ProvisionRequest)
    case zeroize(ZeroizeRequest)

    /// The operation, i.e. the vendor command byte that carries this request.
    public var operation: VaultOperation {
        switch self {
        case .getInfo: .getInfo
        case .counters: .counters
        case .registerStart: .registerStart
        case .registerFinish: .registerFinish
        case .loginStart: .loginStart
        case .loginFinish: .loginFinish
        case .manufacture: .manufacture
        case .provision: .provision
        case .zeroize: .zeroize
        }
    }

    /// Decodes the payload of the vendor command `command`.
    public init(command: UInt8, payload: [UInt8]) throws(ProtocolError) {
        guard let operation = VaultOperation(rawValue: command) else { throw .unknownOperation }
        guard let version = payload.first else { throw .truncated }
        guard version == CofferProtocolVersion.current else { throw .unsupportedVersion }
        let body = Array(payload.dropFirst())
        switch operation {
        case .getInfo:
            guard body.isEmpty else { throw .trailingBytes }
            self = .getInfo
        case .counters: self = .counters(try CountersRequest(decoding: body))
        case .registerStart: self = .registerStart(try RegisterStartRequest(decoding: body))
        case .registerFinish: self = .registerFinish(try RegisterFinishRequest(decoding: body))
        case .loginStart: self = .loginStart(try LoginStartRequest(decoding: body))
        case .loginFinish: self = .loginFinish(try LoginFinishRequest(decoding: body))
        case .manufacture: self = .manufacture(try ManufactureRequest(decoding: body))
        case .provision: self = .provision(try ProvisionRequest(decoding: body))
        case .zeroize: self = .zeroize(try ZeroizeRequest(decoding: body))
        }
    }

    /// The payload to send under `operation.rawValue`: version byte, then the body.
    public func encodedPayload() -> [UInt8] {
        let body: [UInt8] =
            switch self {
            case .getInfo: []
            case .counters(let request): request.encoded()
            case .registerStart(let request): request.encoded()
            case .registerFinish(let request): request.encoded()
            case .loginStart(let request): request.encoded()
            case .loginFinish(let request): request.encoded()
            case .manufacture(let request): request.encoded()
            case .provision(let request): request.encoded()
            case .zeroize(let request): request.encoded()
            }
        return [CofferProtocolVersion.current] + body
    }
}

extension VaultStatus {
    /// The status a device answers for a request it could not decode.
    public init(_ error: ProtocolError) {
        switch error {
        case .truncated, .trailingBytes, .lengthOutOfRange, .invalidValue: self = .malformed
        case .unsupportedVersion: self = .unsupportedVersion
        case .unknownOperation: self = .unknownOperation
        }
    }
}
