import CofferProtocol

/// Fuzz target `vault-messages`: every decoder of the vault protocol (CofferProtocol) on arbitrary
/// bytes.
///
/// Input: a selector byte (which decoder, below), then for requests the CTAPHID command byte, then the
/// message. Besides not crashing, a decoder must accept only the canonical encoding: whatever it
/// accepts, the matching encoder writes back byte for byte (so one value has one encoding, and the
/// limits the decoder enforces are ones the encoder can meet). A request it refuses maps to the
/// status that says why.
enum VaultMessagesHarness {
    /// The decoders, in selector order.
    enum Decoder: UInt8, CaseIterable {
        case request, reply, getInfo, counters, registerStart, registerFinish, loginStart, loginFinish
    }

    /// Runs one input.
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let decoder = Decoder(rawValue: input.byte() % UInt8(Decoder.allCases.count)) ?? .request
        switch decoder {
        case .request:
            let command = input.byte()
            request(command: command, payload: input.bytes(upTo: input.remaining))
        case .reply:
            let payload = input.bytes(upTo: input.remaining)
            if let reply = try? VaultReply(decoding: payload) {
                invariant(reply.status == .ok || reply.body.isEmpty, "a reply with a status and a body accepted")
                invariant(reply.encoded() == payload, "a reply re-encodes differently")
            }
        case .getInfo:
            roundTrip(input, "GetInfoResponse", GetInfoResponse.init(decoding:)) { $0.encoded() }
        case .counters:
            roundTrip(input, "CountersResponse", CountersResponse.init(decoding:)) { $0.encoded() }
        case .registerStart:
            roundTrip(input, "RegisterStartResponse", RegisterStartResponse.init(decoding:)) { $0.encoded() }
        case .registerFinish:
            roundTrip(input, "RegisterFinishResponse", RegisterFinishResponse.init(decoding:)) { $0.encoded() }
        case .loginStart:
            roundTrip(input, "LoginStartResponse", LoginStartResponse.init(decoding:)) { $0.encoded() }
        case .loginFinish:
            roundTrip(input, "LoginFinishResponse", LoginFinishResponse.init(decoding:)) { $0.encoded() }
        }
    }

    private static func request(command: UInt8, payload: [UInt8]) {
        let request: VaultRequest
        do {
            request = try VaultRequest(command: command, payload: payload)
        } catch {
            let status = VaultStatus(error)
            switch error {
            case .unknownOperation:
                invariant(VaultOperation(rawValue: command) == nil, "a known operation refused as unknown")
                invariant(status == .unknownOperation, "an unknown operation answered \(status)")
            case .unsupportedVersion:
                invariant(payload.first != CofferProtocolVersion.current, "the current version refused")
                invariant(status == .unsupportedVersion, "an unsupported version answered \(status)")
            case .truncated, .trailingBytes, .lengthOutOfRange, .invalidValue:
                invariant(status == .malformed, "a malformed request answered \(status)")
            }
            return
        }
        invariant(request.operation.rawValue == command, "a request decoded as another operation")
        invariant(request.encodedPayload() == payload, "a request re-encodes differently")
        if case .loginFinish(let finish) = request {
            invariant(finish.binding.count == SessionBinding.tagLength, "a session binding of the wrong length")
        }
        if case .loginFinish(let finish) = request {
            let sealed = finish.intent == .deposit ? VaultLimits.sealedBackupKeyLength : 0
            invariant(finish.sealedKey.count == sealed, "a sealed key of the wrong length for its intent")
        }
    }

    private static func roundTrip<Message>(
        _ input: FuzzInput,
        _ name: String,
        _ decode: ([UInt8]) throws(ProtocolError) -> Message,
        _ encode: (Message) -> [UInt8]
    ) {
        var input = input
        let body = input.bytes(upTo: input.remaining)
        guard let message = try? decode(body) else { return }
        invariant(encode(message) == body, "\(name) re-encodes differently")
    }
}
