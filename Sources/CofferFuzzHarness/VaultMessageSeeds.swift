import CofferProtocol

/// Seed inputs for `vault-messages`: every request and reply layout, encoded by the real encoders with
/// fields at typical and limit sizes, plus requests refused for each reason.
enum VaultMessageSeeds {
    static var all: [FuzzSeed] {
        let id = Array("alice".utf8)
        let longID = [UInt8](repeating: 0x69, count: VaultLimits.credentialIDMaxLength)
        let opaque = CTAPHIDSeeds.bytes
        let sealed = opaque(VaultLimits.sealedBackupKeyLength)
        let tag = opaque(SessionBinding.tagLength)
        let requests: [(String, VaultRequest)] = [
            ("get-info", .getInfo),
            ("counters", .counters(CountersRequest(firstSlot: 0, count: 128))),
            ("register-start",
             .registerStart(RegisterStartRequest(credentialID: id, attemptLimit: 10, registrationRequest: opaque(33)))),
            ("register-finish", .registerFinish(RegisterFinishRequest(credentialID: longID,
                                                                      registrationRecord: opaque(129)))),
            ("login-start", .loginStart(LoginStartRequest(credentialID: id, ke1: opaque(98)))),
            ("login-finish-deposit", .loginFinish(LoginFinishRequest(ke3: opaque(32), intent: .deposit,
                                                                     sealedKey: sealed, binding: tag))),
            ("login-finish-recover", .loginFinish(LoginFinishRequest(ke3: opaque(32), intent: .recover,
                                                                     binding: tag))),
            ("login-finish-delete", .loginFinish(LoginFinishRequest(ke3: opaque(VaultLimits.opaqueMessageMaxLength),
                                                                    intent: .delete, binding: tag))),
            ("manufacture", .manufacture(ManufactureRequest(serial: 0x0102_0304_0506_0708))),
            ("provision", .provision(ProvisionRequest(defaultAttemptLimit: 10, maxAttemptLimit: 32))),
            ("zeroize", .zeroize(ZeroizeRequest(serial: 42))),
        ]
        let info = GetInfoResponse(
            protocolVersion: CofferProtocolVersion.current,
            firmwareVersion: FirmwareVersion(major: 0, minor: 1, patch: 0),
            serial: 42, lifecycle: .operational, slotCount: 256, recordCount: 3, tombstoneCount: 1, damagedCount: 0,
            defaultAttemptLimit: 10, maxAttemptLimit: 10, akePublicKey: opaque(33), identityPublicKey: opaque(33),
            identitySignature: opaque(64), suite: .p256SHA256)
        let counters = CountersResponse(lifecycleCounter: 3, bootCounter: 5, sealSequence: 9, slotCount: 256, firstSlot: 0,
                                        slots: (0..<4).map { SlotCounters(version: UInt32($0), attempts: 7) })
        let decoder = VaultMessagesHarness.Decoder.self
        return requests.map { name, request in
            FuzzSeed(name: "request-\(name)",
                     bytes: [decoder.request.rawValue, request.operation.rawValue] + request.encodedPayload())
        } + [
            FuzzSeed(name: "request-unknown-operation", bytes: [decoder.request.rawValue, 0x7E, 1]),
            FuzzSeed(name: "request-future-version", bytes: [decoder.request.rawValue, 0x40, CofferProtocolVersion.current + 1]),
            FuzzSeed(name: "reply-ok", bytes: [decoder.reply.rawValue] + VaultReply(status: .ok, body: [3]).encoded()),
            FuzzSeed(name: "reply-refused", bytes: [decoder.reply.rawValue, VaultStatus.recordDestroyed.rawValue]),
            FuzzSeed(name: "get-info", bytes: [decoder.getInfo.rawValue] + info.encoded()),
            FuzzSeed(name: "counters", bytes: [decoder.counters.rawValue] + counters.encoded()),
            FuzzSeed(name: "register-start",
                     bytes: [decoder.registerStart.rawValue]
                         + RegisterStartResponse(registrationResponse: opaque(66), attemptLimit: 5, signature: opaque(64))
                         .encoded()),
            FuzzSeed(name: "register-finish",
                     bytes: [decoder.registerFinish.rawValue] + RegisterFinishResponse(attemptLimit: 3).encoded()),
            FuzzSeed(name: "login-start",
                     bytes: [decoder.loginStart.rawValue] + LoginStartResponse(ke2: opaque(259), attemptsRemaining: 2)
                         .encoded()),
            FuzzSeed(name: "login-finish",
                     bytes: [decoder.loginFinish.rawValue] + LoginFinishResponse(sealedKey: sealed, binding: tag)
                         .encoded()),
        ]
    }
}
