// What binds the fields the device acts on after KE3 to the OPAQUE session, and what the device
// signs at registration. Both sides compute these byte strings; the crypto is each side's own
// (the firmware's engine, the client's CofferCrypto), so this module stays free of it.

/// The session binding of LoginFinish: a tag over the intent, the credential id and the sealed key
/// under the session key, both ways. The tag is HKDF-SHA256(ikm = session_key, salt = empty,
/// info = `requestInfo(...)` or `replyInfo(...)`, L = 32): HKDF-Expand is HMAC of the info under the
/// extracted key, so the tag is a MAC of those fields keyed by the session.
public enum SessionBinding {
    /// Bytes of a binding tag.
    public static let tagLength = 32
    /// Label of the client → device tag.
    public static let requestLabel: [UInt8] = Array("coffer/v2/login-finish-request".utf8)
    /// Label of the device → client tag.
    public static let replyLabel: [UInt8] = Array("coffer/v2/login-finish-reply".utf8)

    /// `requestLabel || id bytes8 || intent u8 || sealedKey bytes8`.
    public static func requestInfo(credentialID: [UInt8], intent: LoginIntent, sealedKey: [UInt8]) -> [UInt8] {
        info(requestLabel, credentialID, intent, sealedKey)
    }

    /// `replyLabel || id bytes8 || intent u8 || sealedKey bytes8` (the reply's sealed key).
    public static func replyInfo(credentialID: [UInt8], intent: LoginIntent, sealedKey: [UInt8]) -> [UInt8] {
        info(replyLabel, credentialID, intent, sealedKey)
    }

    private static func info(_ label: [UInt8], _ id: [UInt8], _ intent: LoginIntent, _ sealed: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: label)
        writer.writeShortField(id)
        writer.write(intent.rawValue)
        writer.writeShortField(sealed)
        return writer.bytes
    }
}

/// The message the identity key signs in a RegisterStart reply: everything the client must trust
/// before it uploads a record made from the reply — which device, which id, the blinded element it
/// sent, the evaluation and AKE key it got back, and the attempt limit the record will have.
public enum RegistrationStatement {
    /// Domain separation label in front of the signed message.
    public static let label: [UInt8] = Array("coffer/v2/registration".utf8)

    /// `label || serial u64 || id bytes8 || attemptLimit u8 || registrationRequest bytes16 ||
    /// registrationResponse bytes16`.
    public static func message(
        serial: UInt64, credentialID: [UInt8], attemptLimit: UInt8, registrationRequest: [UInt8],
        registrationResponse: [UInt8]
    ) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: label)
        writer.write(serial)
        writer.writeShortField(credentialID)
        writer.write(attemptLimit)
        writer.writeLongField(registrationRequest)
        writer.writeLongField(registrationResponse)
        return writer.bytes
    }
}
