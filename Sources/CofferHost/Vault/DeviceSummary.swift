import CofferCrypto
import CofferProtocol

/// What `cofferctl info` shows: the device's CTAPHID and vault descriptions, its keys, and what
/// the pin check found.
public struct DeviceSummary: Sendable, Codable, Equatable {
    public let device: String
    public let serial: String
    public let firmwareVersion: String
    public let protocolVersion: Int
    public let ctaphidVersion: Int
    public let lifecycle: String
    public let slots: Int
    public let records: Int
    public let tombstones: Int
    public let damaged: Int
    public let defaultAttemptLimit: Int
    /// Hex of the identity public key (ECDSA P-256, compressed): the key clients pin.
    public let identityPublicKey: String
    /// Hex of the OPAQUE server AKE public key, signed by the identity key.
    public let akePublicKey: String
    /// "verified" when the identity signature checks, "none" when the device has no keys yet.
    public let identitySignature: String
    /// "pinned now", "matches pin", "not pinned" (in-memory device), or "none" (no keys).
    public let pin: String
    /// The OPAQUE suite the device serves (p256-sha256 or ristretto255-sha512), which the client follows.
    public let suite: String
    /// "hardware", "emulator" or "seeded" (an emulator made from a known seed: no secret at all), as
    /// the device signed it.
    public let kind: String
    /// Damage the device runs despite: a store header that does not open (from GetInfo), a counter
    /// page its emulator fell back from (when this machine can know it); empty when there is none.
    public let warnings: [String]

    /// Reads the device's description; on an operational device also checks its identity
    /// signature and its pin (pinning it on first use), refusing loudly if either fails.
    public static func read(_ client: VaultClient) throws(VaultError) -> DeviceSummary {
        let info = try client.info()
        var signature = "none"
        var pin = "none"
        if info.lifecycle == .operational {
            let verified = try client.verifiedDevice()
            signature = "verified"
            switch verified.pin {
            case .pinnedNow?: pin = "pinned now"
            case .matched?: pin = "matches pin"
            case nil: pin = client.realm == nil ? "not pinned" : "a member of the pinned realm manifest"
            }
        }
        let version = info.firmwareVersion
        return DeviceSummary(
            device: client.transport.deviceName, serial: VaultError.serialText(info.serial),
            firmwareVersion: "\(version.major).\(version.minor).\(version.patch)",
            protocolVersion: Int(info.protocolVersion),
            // 0 through a realm's front-end, which speaks HTTP, not CTAPHID.
            ctaphidVersion: (client.transport as? any DeviceTransport).map { Int($0.channelInfo.protocolVersion) } ?? 0,
            lifecycle: "\(info.lifecycle)",
            slots: Int(info.slotCount), records: Int(info.recordCount), tombstones: Int(info.tombstoneCount),
            damaged: Int(info.damagedCount), defaultAttemptLimit: Int(info.defaultAttemptLimit),
            identityPublicKey: Hex.encode(info.identityPublicKey), akePublicKey: Hex.encode(info.akePublicKey),
            identitySignature: signature, pin: pin, suite: info.suite.name, kind: kindName(info.deviceKind),
            warnings: warnings(info, transport: client.transport))
    }

    private static func kindName(_ kind: DeviceKind) -> String {
        switch kind {
        case .hardware: "hardware"
        case .emulator: "emulator"
        case .seeded: "seeded"
        }
    }

    private static func warnings(_ info: GetInfoResponse, transport: any VaultTransport) -> [String] {
        var found: [String] = []
        if info.storeHeaderUnreadable {
            found.append(
                "store header unreadable: the device found no store header of its own in its flash (edited, "
                    + "damaged or another device's), so every record command fails; restore the flash from a copy")
        }
        if let ctaphid = transport as? CTAPHIDTransport {
            found += ctaphid.link.stateWarnings.map { "damaged state: \($0)" }
        }
        return found
    }

    /// Aligned "name  value" lines.
    public var text: String {
        let rows: [(String, String)] = [
            ("device", device), ("serial", serial),
            ("firmware", "\(firmwareVersion) (vault protocol \(protocolVersion), CTAPHID \(ctaphidVersion))"),
            ("lifecycle", lifecycle),
            ("slots", "\(slots) (\(records) records, \(tombstones) tombstones, \(damaged) damaged)"),
            ("guess limit", "\(defaultAttemptLimit) (default for new records)"),
            ("identity", "\(identityPublicKey) (signature \(identitySignature), \(pin))"),
            ("ake key", akePublicKey),
            ("suite", suite),
            ("kind", kind == "seeded" ? "seeded emulator (made from a known --seed: test use only)" : kind),
        ] + warnings.map { ("warning", $0) }
        return rows.map { $0.0.padding(toLength: 12, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}
