import CofferProtocol
import Testing

private let tag = [UInt8](repeating: 0x7A, count: SessionBinding.tagLength)

/// Every request, encoded and decoded back through `VaultRequest`.
private let sampleRequests: [VaultRequest] = [
    .getInfo,
    .counters(CountersRequest(firstSlot: 3, count: 100)),
    .registerStart(
        RegisterStartRequest(
            credentialID: Array("alice".utf8), attemptLimit: 5, registrationRequest: [UInt8](repeating: 2, count: 33))),
    .registerFinish(
        RegisterFinishRequest(credentialID: [1, 2, 3], registrationRecord: [UInt8](repeating: 7, count: 129))),
    .loginStart(LoginStartRequest(credentialID: [9], ke1: [UInt8](repeating: 4, count: 98))),
    .loginFinish(LoginFinishRequest(ke3: [UInt8](repeating: 5, count: 32), intent: .recover, binding: tag)),
    .loginFinish(
        LoginFinishRequest(
            ke3: [UInt8](repeating: 5, count: 32), intent: .deposit, sealedKey: [UInt8](repeating: 6, count: 48),
            binding: tag)),
    .loginFinish(LoginFinishRequest(ke3: [1], intent: .delete, binding: tag)),
    .manufacture(ManufactureRequest(serial: 0x0102_0304_0506_0708)),
    .provision(ProvisionRequest(defaultAttemptLimit: 10, maxAttemptLimit: 20)),
    .zeroize(ZeroizeRequest(serial: 42)),
]

@Test(arguments: sampleRequests)
func requestRoundTrips(_ request: VaultRequest) throws {
    let payload = request.encodedPayload()
    #expect(payload.first == CofferProtocolVersion.current)
    let decoded = try VaultRequest(command: request.operation.rawValue, payload: payload)
    #expect(decoded == request)
}

@Test(arguments: sampleRequests)
func truncatedRequestIsRefused(_ request: VaultRequest) {
    let payload = request.encodedPayload()
    for cut in 0..<payload.count where !(request == .getInfo && cut == 1) {
        #expect(throws: ProtocolError.self) {
            try VaultRequest(command: request.operation.rawValue, payload: Array(payload.prefix(cut)))
        }
    }
}

@Test(arguments: sampleRequests)
func requestWithTrailingBytesIsRefused(_ request: VaultRequest) {
    #expect(throws: ProtocolError.trailingBytes) {
        try VaultRequest(command: request.operation.rawValue, payload: request.encodedPayload() + [0])
    }
}

@Test func loginStartLayoutIsPinned() throws {
    // version 2 | id length 2 | "ab" | KE1 length 0x0003 | KE1
    let payload: [UInt8] = [0x02, 0x02, 0x61, 0x62, 0x00, 0x03, 0xAA, 0xBB, 0xCC]
    let request = try VaultRequest(command: 0x44, payload: payload)
    #expect(request == .loginStart(LoginStartRequest(credentialID: [0x61, 0x62], ke1: [0xAA, 0xBB, 0xCC])))
    #expect(request.encodedPayload() == payload)
}

@Test func unknownCommandIsRefused() {
    #expect(throws: ProtocolError.unknownOperation) { try VaultRequest(command: 0x4F, payload: [2]) }
    #expect(throws: ProtocolError.unknownOperation) { try VaultRequest(command: 0x01, payload: [2]) }
}

@Test func otherVersionIsRefused() {
    // Version 1 (before one-time registrations and session bindings) and the next are both refused.
    #expect(throws: ProtocolError.unsupportedVersion) { try VaultRequest(command: 0x40, payload: [1]) }
    #expect(throws: ProtocolError.unsupportedVersion) { try VaultRequest(command: 0x40, payload: [3]) }
    #expect(throws: ProtocolError.truncated) { try VaultRequest(command: 0x40, payload: []) }
}

@Test func credentialIDOutsideItsLimitsIsRefused() {
    let empty = [2, 0, 0, 1, 0xAA] as [UInt8]
    #expect(throws: ProtocolError.lengthOutOfRange) { try VaultRequest(command: 0x44, payload: empty) }
    let long = [2, 65] + [UInt8](repeating: 0x61, count: 65) + [0, 1, 0xAA]
    #expect(throws: ProtocolError.lengthOutOfRange) { try VaultRequest(command: 0x44, payload: long) }
    let longest = [2, 64] + [UInt8](repeating: 0x61, count: 64) + [0, 1, 0xAA]
    #expect(throws: Never.self) { try VaultRequest(command: 0x44, payload: longest) }
}

@Test func opaqueFieldOverItsLimitIsRefused() {
    let length = VaultLimits.opaqueMessageMaxLength + 1
    let payload = [2, 1, 0x61, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0, count: length)
    #expect(throws: ProtocolError.lengthOutOfRange) { try VaultRequest(command: 0x44, payload: payload) }
}

@Test func unknownIntentIsRefused() {
    #expect(throws: ProtocolError.invalidValue) {
        try VaultRequest(command: 0x45, payload: [2, 0, 1, 0xAA, 9, 0] + tag)
    }
    #expect(throws: Never.self) { try VaultRequest(command: 0x45, payload: [2, 0, 1, 0xAA, 2, 0] + tag) }
}

@Test func depositNeedsExactlyASealedKey() {
    let ke3: [UInt8] = [0, 1, 0xAA]
    #expect(throws: ProtocolError.lengthOutOfRange) {
        try VaultRequest(command: 0x45, payload: [2] + ke3 + [1, 0] + tag)
    }
    let sealed = [UInt8](repeating: 1, count: 48)
    #expect(throws: Never.self) { try VaultRequest(command: 0x45, payload: [2] + ke3 + [1, 48] + sealed + tag) }
    #expect(throws: ProtocolError.lengthOutOfRange) {
        try VaultRequest(command: 0x45, payload: [2] + ke3 + [2, 48] + sealed + tag)
    }
}

@Test func loginFinishNeedsItsWholeSessionBinding() {
    #expect(throws: ProtocolError.truncated) {
        try VaultRequest(command: 0x45, payload: [2, 0, 1, 0xAA, 2, 0] + tag.dropLast())
    }
    #expect(throws: ProtocolError.truncated) { try VaultRequest(command: 0x45, payload: [2, 0, 1, 0xAA, 2, 0]) }
}

@Test func decodeErrorsMapToStatuses() {
    #expect(VaultStatus(ProtocolError.truncated) == .malformed)
    #expect(VaultStatus(ProtocolError.trailingBytes) == .malformed)
    #expect(VaultStatus(ProtocolError.lengthOutOfRange) == .malformed)
    #expect(VaultStatus(ProtocolError.invalidValue) == .malformed)
    #expect(VaultStatus(ProtocolError.unsupportedVersion) == .unsupportedVersion)
    #expect(VaultStatus(ProtocolError.unknownOperation) == .unknownOperation)
}

@Test func operationsAreVendorCommands() {
    for operation in VaultOperation.allCases {
        #expect((0x40...0x7F).contains(operation.rawValue))
    }
}
