// Request bodies, one struct per operation, each a pure function of bytes both ways. The version byte
// in front of every body is handled by `VaultRequest`, so these structs describe the body alone.

private let credentialIDLengths = VaultLimits.credentialIDMinLength...VaultLimits.credentialIDMaxLength
private let opaqueLengths = 1...VaultLimits.opaqueMessageMaxLength

/// Counters: which page of slots to describe.
public struct CountersRequest: Equatable, Sendable {
    /// Index of the first slot described.
    public var firstSlot: UInt16
    /// Number of slots wanted; the device answers at most `VaultLimits.countersPerPage`.
    public var count: UInt16

    public init(firstSlot: UInt16, count: UInt16) {
        self.firstSlot = firstSlot
        self.count = count
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        firstSlot = try reader.readUInt16()
        count = try reader.readUInt16()
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(firstSlot)
        writer.write(count)
        return writer.bytes
    }
}

/// RegisterStart: the credential id, the attempt limit asked for (0 = the device default) and the
/// client's OPAQUE RegistrationRequest. The device answers with the limit it applies, signed.
public struct RegisterStartRequest: Equatable, Sendable {
    public var credentialID: [UInt8]
    /// 1...255, or 0 for the device's default attempt limit; the device caps it at its maximum.
    public var attemptLimit: UInt8
    public var registrationRequest: [UInt8]

    public init(credentialID: [UInt8], attemptLimit: UInt8, registrationRequest: [UInt8]) {
        self.credentialID = credentialID
        self.attemptLimit = attemptLimit
        self.registrationRequest = registrationRequest
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        credentialID = try reader.readShortField(allowed: credentialIDLengths)
        attemptLimit = try reader.readUInt8()
        registrationRequest = try reader.readLongField(allowed: opaqueLengths)
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeShortField(credentialID)
        writer.write(attemptLimit)
        writer.writeLongField(registrationRequest)
        return writer.bytes
    }
}

/// RegisterFinish: the credential id and the client's OPAQUE RegistrationRecord. It finishes the
/// registration started on the same channel and nothing else; the limit was fixed at RegisterStart.
public struct RegisterFinishRequest: Equatable, Sendable {
    public var credentialID: [UInt8]
    public var registrationRecord: [UInt8]

    public init(credentialID: [UInt8], registrationRecord: [UInt8]) {
        self.credentialID = credentialID
        self.registrationRecord = registrationRecord
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        credentialID = try reader.readShortField(allowed: credentialIDLengths)
        registrationRecord = try reader.readLongField(allowed: opaqueLengths)
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeShortField(credentialID)
        writer.writeLongField(registrationRecord)
        return writer.bytes
    }
}

/// LoginStart: the credential id and the client's OPAQUE KE1.
public struct LoginStartRequest: Equatable, Sendable {
    public var credentialID: [UInt8]
    public var ke1: [UInt8]

    public init(credentialID: [UInt8], ke1: [UInt8]) {
        self.credentialID = credentialID
        self.ke1 = ke1
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        credentialID = try reader.readShortField(allowed: credentialIDLengths)
        ke1 = try reader.readLongField(allowed: opaqueLengths)
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeShortField(credentialID)
        writer.writeLongField(ke1)
        return writer.bytes
    }
}

/// LoginFinish: the client's KE3, what to do with the session, for a deposit the backup key sealed
/// under the session's deposit key (empty for the other intents), and a tag binding all of it to
/// the session (`SessionBinding`), so a relay cannot turn one intent into another.
public struct LoginFinishRequest: Equatable, Sendable {
    public var ke3: [UInt8]
    public var intent: LoginIntent
    /// `VaultLimits.sealedBackupKeyLength` bytes for `.deposit`, empty otherwise.
    public var sealedKey: [UInt8]
    /// `SessionBinding.tagLength` bytes: `SessionBinding.requestInfo` keyed by the session key.
    public var binding: [UInt8]

    public init(ke3: [UInt8], intent: LoginIntent, sealedKey: [UInt8] = [], binding: [UInt8]) {
        self.ke3 = ke3
        self.intent = intent
        self.sealedKey = sealedKey
        self.binding = binding
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        ke3 = try reader.readLongField(allowed: opaqueLengths)
        guard let intent = LoginIntent(rawValue: try reader.readUInt8()) else { throw .invalidValue }
        self.intent = intent
        let sealedLength = intent == .deposit ? VaultLimits.sealedBackupKeyLength : 0
        sealedKey = try reader.readShortField(allowed: sealedLength...sealedLength)
        binding = try reader.readBytes(SessionBinding.tagLength)
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeLongField(ke3)
        writer.write(intent.rawValue)
        writer.writeShortField(sealedKey)
        writer.write(bytes: binding)
        return writer.bytes
    }
}

/// Manufacture: the serial number to burn beside the freshly generated device secret.
public struct ManufactureRequest: Equatable, Sendable {
    public var serial: UInt64

    public init(serial: UInt64) { self.serial = serial }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        serial = try reader.readUInt64()
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(serial)
        return writer.bytes
    }
}

/// Provision: the device's attempt-limit policy: the limit for records registered without one, and
/// the most any record may have (a larger request is capped to it).
public struct ProvisionRequest: Equatable, Sendable {
    /// 1...255, at most `maxAttemptLimit`.
    public var defaultAttemptLimit: UInt8
    /// 1...255.
    public var maxAttemptLimit: UInt8

    public init(defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8) {
        self.defaultAttemptLimit = defaultAttemptLimit
        self.maxAttemptLimit = maxAttemptLimit
    }

    /// The policy with `defaultAttemptLimit` and the usual maximum: the larger of it and
    /// `VaultLimits.defaultMaxAttemptLimit`.
    public init(defaultAttemptLimit: UInt8) {
        self.init(
            defaultAttemptLimit: defaultAttemptLimit,
            maxAttemptLimit: max(defaultAttemptLimit, VaultLimits.defaultMaxAttemptLimit))
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        defaultAttemptLimit = try reader.readUInt8()
        maxAttemptLimit = try reader.readUInt8()
        try reader.finish()
    }

    public func encoded() -> [UInt8] { [defaultAttemptLimit, maxAttemptLimit] }
}

/// Zeroize: the device's serial number, typed back as a confirmation against accidents.
public struct ZeroizeRequest: Equatable, Sendable {
    public var serial: UInt64

    public init(serial: UInt64) { self.serial = serial }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        serial = try reader.readUInt64()
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(serial)
        return writer.bytes
    }
}
