// The client side's computation of the vault's session binding (docs/PROTOCOL.md §5): the same
// HKDF-SHA256 the firmware's engine runs.

import CofferProtocol
import OPAQUE

extension SessionBinding {
    /// HKDF-SHA256(ikm = session key, salt = empty, info, L = `tagLength`): the binding tag of `info`.
    public static func tag(sessionKey: SecretBytes, info: [UInt8]) -> [UInt8] {
        do {
            return try HKDF<SHA256>.deriveKey(ikm: sessionKey.bytes, salt: [], info: info, length: tagLength)
        } catch {
            preconditionFailure("32 bytes are within HKDF-SHA256's limit")
        }
    }

    /// The tag a client sends with LoginFinish.
    public static func requestTag(
        sessionKey: SecretBytes, credentialID: [UInt8], intent: LoginIntent, sealedKey: [UInt8]
    ) -> [UInt8] {
        tag(sessionKey: sessionKey, info: requestInfo(credentialID: credentialID, intent: intent, sealedKey: sealedKey))
    }

    /// True when `reply` carries the tag the device computes for it under `sessionKey`.
    public static func verifies(
        _ reply: LoginFinishResponse, sessionKey: SecretBytes, credentialID: [UInt8], intent: LoginIntent
    ) -> Bool {
        let expected = tag(
            sessionKey: sessionKey,
            info: replyInfo(credentialID: credentialID, intent: intent, sealedKey: reply.sealedKey))
        return constantTimeEqual(expected, reply.binding)
    }
}
