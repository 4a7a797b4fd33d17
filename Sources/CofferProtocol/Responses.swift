// Reply bodies, one struct per operation that returns data. A reply is the status byte followed by
// the body, and the body is present only when the status is `ok` (see `VaultReply`).

private let publicValueLengths = 0...VaultLimits.publicValueMaxLength
private let opaqueLengths = 1...VaultLimits.opaqueMessageMaxLength

/// A version triple, major.minor.patch.
public struct FirmwareVersion: Equatable, Sendable {
    public var major: UInt8
    public var minor: UInt8
    public var patch: UInt8

    public init(major: UInt8, minor: UInt8, patch: UInt8) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }
}

/// What kind of device answers: a chip, or Coffer's emulator (whose UDS sits in a file on a PC), or
/// an emulator made from a known `--seed` (whose every secret anyone with the seed can recompute).
/// Signed in GetInfo's identity statement. Emulated and seeded devices may join test realms only.
public enum DeviceKind: UInt8, Equatable, Sendable {
    case hardware = 0
    case emulator = 1
    case seeded = 2
}

/// GetInfo: what the device is and how full it is. Key fields are empty before manufacture.
public struct GetInfoResponse: Equatable, Sendable {
    public var protocolVersion: UInt8
    public var firmwareVersion: FirmwareVersion
    public var serial: UInt64
    public var lifecycle: Lifecycle
    /// Slots in the secure store.
    public var slotCount: UInt16
    /// Slots holding a live record.
    public var recordCount: UInt16
    /// Slots holding a tombstone (a destroyed record's remains, without key material).
    public var tombstoneCount: UInt16
    /// Slots that failed their seal or version check.
    public var damagedCount: UInt16
    /// The attempt limit applied when a registration names none; 0 before provisioning.
    public var defaultAttemptLimit: UInt8
    /// The most attempts any record may have (a larger request is capped); 0 before provisioning.
    public var maxAttemptLimit: UInt8
    /// The OPAQUE server AKE public key (SEC1 compressed for P-256).
    public var akePublicKey: [UInt8]
    /// The device identity public key (ECDSA P-256, SEC1 compressed): the key a client pins.
    public var identityPublicKey: [UInt8]
    /// ECDSA signature (r || s) by the identity key over `IdentityStatement.message(...)`.
    public var identitySignature: [UInt8]
    /// The OPAQUE suite the device serves (its firmware's, burned into its fuses once made). Not
    /// signed itself: the signed AKE key is an element of the suite's group, so a relay that changes
    /// this byte leaves the client with a key that does not decode.
    public var suite: VaultSuite
    /// Chip, emulator or seeded emulator (signed with the AKE key, `IdentityStatement`).
    public var deviceKind: DeviceKind

    public init(
        protocolVersion: UInt8, firmwareVersion: FirmwareVersion, serial: UInt64, lifecycle: Lifecycle,
        slotCount: UInt16, recordCount: UInt16, tombstoneCount: UInt16, damagedCount: UInt16,
        defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8, akePublicKey: [UInt8], identityPublicKey: [UInt8],
        identitySignature: [UInt8], suite: VaultSuite, deviceKind: DeviceKind = .hardware
    ) {
        self.deviceKind = deviceKind
        self.protocolVersion = protocolVersion
        self.firmwareVersion = firmwareVersion
        self.serial = serial
        self.lifecycle = lifecycle
        self.slotCount = slotCount
        self.recordCount = recordCount
        self.tombstoneCount = tombstoneCount
        self.damagedCount = damagedCount
        self.defaultAttemptLimit = defaultAttemptLimit
        self.maxAttemptLimit = maxAttemptLimit
        self.akePublicKey = akePublicKey
        self.identityPublicKey = identityPublicKey
        self.identitySignature = identitySignature
        self.suite = suite
    }

    /// Whether the device is operational but found no store header of its own in its flash (edited,
    /// damaged or another device's): then it reports a default attempt limit of 0, which no provisioned
    /// header holds (docs/PROTOCOL.md §3.1), and every command that needs the store answers
    /// `storeUnavailable`.
    public var storeHeaderUnreadable: Bool {
        lifecycle == .operational && defaultAttemptLimit == 0
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        protocolVersion = try reader.readUInt8()
        firmwareVersion = FirmwareVersion(
            major: try reader.readUInt8(), minor: try reader.readUInt8(), patch: try reader.readUInt8())
        serial = try reader.readUInt64()
        guard let lifecycle = Lifecycle(rawValue: try reader.readUInt8()) else { throw .invalidValue }
        self.lifecycle = lifecycle
        slotCount = try reader.readUInt16()
        recordCount = try reader.readUInt16()
        tombstoneCount = try reader.readUInt16()
        damagedCount = try reader.readUInt16()
        defaultAttemptLimit = try reader.readUInt8()
        maxAttemptLimit = try reader.readUInt8()
        akePublicKey = try reader.readShortField(allowed: publicValueLengths)
        identityPublicKey = try reader.readShortField(allowed: publicValueLengths)
        identitySignature = try reader.readShortField(allowed: publicValueLengths)
        suite = VaultSuite(rawValue: try reader.readUInt8())
        guard let kind = DeviceKind(rawValue: try reader.readUInt8()) else { throw .invalidValue }
        deviceKind = kind
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(protocolVersion)
        writer.write(firmwareVersion.major)
        writer.write(firmwareVersion.minor)
        writer.write(firmwareVersion.patch)
        writer.write(serial)
        writer.write(lifecycle.rawValue)
        writer.write(slotCount)
        writer.write(recordCount)
        writer.write(tombstoneCount)
        writer.write(damagedCount)
        writer.write(defaultAttemptLimit)
        writer.write(maxAttemptLimit)
        writer.writeShortField(akePublicKey)
        writer.writeShortField(identityPublicKey)
        writer.writeShortField(identitySignature)
        writer.write(suite.rawValue)
        writer.write(deviceKind.rawValue)
        return writer.bytes
    }
}

/// The message the identity key signs in GetInfo, so a client that pinned the identity key can
/// trust the AKE public key its OPAQUE login checks the device against.
public enum IdentityStatement {
    /// Domain separation label in front of the signed message.
    public static let label: [UInt8] = Array("coffer/v2/device-identity".utf8)

    /// `label || serial (8 bytes, big-endian) || device kind (1) || akePublicKey`.
    public static func message(serial: UInt64, deviceKind: DeviceKind, akePublicKey: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: label)
        writer.write(serial)
        writer.write(deviceKind.rawValue)
        writer.write(bytes: akePublicKey)
        return writer.bytes
    }
}

/// One slot's two on-chip counters.
public struct SlotCounters: Equatable, Sendable {
    /// The version of the slot's trusted copy.
    public var version: UInt32
    /// Login attempts ever started on the slot (attempts used = this − the record's base).
    public var attempts: UInt32

    public init(version: UInt32, attempts: UInt32) {
        self.version = version
        self.attempts = attempts
    }
}

/// Counters: the device-wide counters and, where the device shows them (an operator's emulator or
/// in-process device), a page of per-slot counters.
public struct CountersResponse: Equatable, Sendable {
    public var lifecycleCounter: UInt32
    /// Boots of the device.
    public var bootCounter: UInt32
    /// Slot copies ever sealed (each at a value of this counter, never reused).
    public var sealSequence: UInt32
    public var slotCount: UInt16
    public var firstSlot: UInt16
    /// Counters of slots `firstSlot ..< firstSlot + slots.count`.
    public var slots: [SlotCounters]

    public init(
        lifecycleCounter: UInt32, bootCounter: UInt32 = 0, sealSequence: UInt32 = 0, slotCount: UInt16,
        firstSlot: UInt16, slots: [SlotCounters]
    ) {
        self.lifecycleCounter = lifecycleCounter
        self.bootCounter = bootCounter
        self.sealSequence = sealSequence
        self.slotCount = slotCount
        self.firstSlot = firstSlot
        self.slots = slots
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        lifecycleCounter = try reader.readUInt32()
        bootCounter = try reader.readUInt32()
        sealSequence = try reader.readUInt32()
        slotCount = try reader.readUInt16()
        firstSlot = try reader.readUInt16()
        let count = Int(try reader.readUInt16())
        guard count <= VaultLimits.countersPerPage else { throw .lengthOutOfRange }
        var slots: [SlotCounters] = []
        for _ in 0..<count {
            slots.append(SlotCounters(version: try reader.readUInt32(), attempts: try reader.readUInt32()))
        }
        self.slots = slots
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(lifecycleCounter)
        writer.write(bootCounter)
        writer.write(sealSequence)
        writer.write(slotCount)
        writer.write(firstSlot)
        writer.write(UInt16(slots.count))
        for slot in slots {
            writer.write(slot.version)
            writer.write(slot.attempts)
        }
        return writer.bytes
    }
}

/// RegisterStart: the server's OPAQUE RegistrationResponse, the attempt limit the record will get,
/// and the identity key's signature over both with the request they answer
/// (`RegistrationStatement`), so a relay can neither substitute the OPRF evaluation nor the limit.
public struct RegisterStartResponse: Equatable, Sendable {
    public var registrationResponse: [UInt8]
    /// The limit the record will have: the one asked for capped at the device's maximum, or the
    /// device's default.
    public var attemptLimit: UInt8
    /// ECDSA P-256/SHA-256 (r || s) by the identity key over `RegistrationStatement.message(...)`.
    public var signature: [UInt8]

    public init(registrationResponse: [UInt8], attemptLimit: UInt8, signature: [UInt8]) {
        self.registrationResponse = registrationResponse
        self.attemptLimit = attemptLimit
        self.signature = signature
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        registrationResponse = try reader.readLongField(allowed: opaqueLengths)
        attemptLimit = try reader.readUInt8()
        signature = try reader.readShortField(allowed: 1...VaultLimits.publicValueMaxLength)
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeLongField(registrationResponse)
        writer.write(attemptLimit)
        writer.writeShortField(signature)
        return writer.bytes
    }
}

/// RegisterFinish: the attempt limit the new record got.
public struct RegisterFinishResponse: Equatable, Sendable {
    public var attemptLimit: UInt8

    public init(attemptLimit: UInt8) { self.attemptLimit = attemptLimit }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        attemptLimit = try reader.readUInt8()
        try reader.finish()
    }

    public func encoded() -> [UInt8] { [attemptLimit] }
}

/// LoginStart: the server's KE2 and how many more logins the record allows after this one
/// before it is destroyed (0: this is the last).
public struct LoginStartResponse: Equatable, Sendable {
    public var ke2: [UInt8]
    public var attemptsRemaining: UInt8

    public init(ke2: [UInt8], attemptsRemaining: UInt8) {
        self.ke2 = ke2
        self.attemptsRemaining = attemptsRemaining
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        ke2 = try reader.readLongField(allowed: opaqueLengths)
        attemptsRemaining = try reader.readUInt8()
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeLongField(ke2)
        writer.write(attemptsRemaining)
        return writer.bytes
    }
}

/// LoginFinish: for a recover, the backup key sealed under the session's recover key (empty for the
/// other intents), and a tag binding the reply to the session (`SessionBinding.replyInfo`), so a
/// relay cannot report a deposit or delete done that the device never did.
public struct LoginFinishResponse: Equatable, Sendable {
    public var sealedKey: [UInt8]
    /// `SessionBinding.tagLength` bytes.
    public var binding: [UInt8]

    public init(sealedKey: [UInt8] = [], binding: [UInt8]) {
        self.sealedKey = sealedKey
        self.binding = binding
    }

    public init(decoding body: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(body)
        sealedKey = try reader.readShortField(allowed: 0...VaultLimits.sealedBackupKeyLength)
        guard sealedKey.isEmpty || sealedKey.count == VaultLimits.sealedBackupKeyLength else {
            throw .lengthOutOfRange
        }
        binding = try reader.readBytes(SessionBinding.tagLength)
        try reader.finish()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeShortField(sealedKey)
        writer.write(bytes: binding)
        return writer.bytes
    }
}

/// A whole reply: the status byte, then the body when the status is `ok`.
public struct VaultReply: Equatable, Sendable {
    public var status: VaultStatus
    /// The operation's reply body; empty unless `status == .ok`.
    public var body: [UInt8]

    public init(status: VaultStatus, body: [UInt8] = []) {
        precondition(status == .ok || body.isEmpty, "only an ok reply carries a body")
        self.status = status
        self.body = body
    }

    public init(decoding payload: [UInt8]) throws(ProtocolError) {
        guard let first = payload.first else { throw .truncated }
        guard let status = VaultStatus(rawValue: first) else { throw .invalidValue }
        let body = Array(payload.dropFirst())
        guard status == .ok || body.isEmpty else { throw .trailingBytes }
        self.status = status
        self.body = body
    }

    public func encoded() -> [UInt8] { [status.rawValue] + body }
}

/// How the backup key crosses the host inside an authenticated session: AES-256-GCM under a key
/// derived from the OPAQUE session key, one key per direction, each sealing exactly one message
/// (so the all-zero nonce is never reused under a key).
public enum KeyTransport {
    /// HKDF-SHA256 info prefix of the client → device key (deposit); the credential id follows.
    public static let depositKeyLabel: [UInt8] = Array("coffer/v1/deposit-key".utf8)
    /// HKDF-SHA256 info prefix of the device → client key (recover); the credential id follows.
    public static let recoverKeyLabel: [UInt8] = Array("coffer/v1/recover-key".utf8)
    /// Associated data of a deposit seal.
    public static let depositAAD: [UInt8] = Array("coffer/v1/deposit".utf8)
    /// Associated data of a recover seal.
    public static let recoverAAD: [UInt8] = Array("coffer/v1/recover".utf8)
    /// The nonce of both seals.
    public static let nonce = [UInt8](repeating: 0, count: 12)

    /// HKDF info for the deposit key of `credentialID` (ikm: session key, salt: empty, 32 bytes).
    public static func depositKeyInfo(credentialID: [UInt8]) -> [UInt8] { depositKeyLabel + credentialID }
    /// HKDF info for the recover key of `credentialID` (ikm: session key, salt: empty, 32 bytes).
    public static func recoverKeyInfo(credentialID: [UInt8]) -> [UInt8] { recoverKeyLabel + credentialID }
}
