import CTAPHID
import CofferFirmware
import CofferProtocol

/// Why a realm call on a device did not give its answer.
public enum RealmLinkFailure: Error, Equatable, Sendable {
    /// The device could not be reached, or broke CTAPHID.
    case device(DeviceError)
    /// The device answered with a non-zero status: a `RealmError`, a `RealmCeremonyError` or one of
    /// the link's own (`RealmLinkStatus`).
    case refused(status: UInt8, command: UInt8)
    /// The reply does not follow its layout.
    case malformedReply(command: UInt8, RealmLinkError)

    /// The member's refusal, when the status is one.
    public var realmError: RealmError? {
        guard case .refused(let status, _) = self else { return nil }
        return RealmError(wireCode: status)
    }

    /// The ceremony's refusal, when the status is one.
    public var ceremonyError: RealmCeremonyError? {
        guard case .refused(let status, _) = self else { return nil }
        return RealmCeremonyError(wireCode: status)
    }
}

/// The realm commands of docs/PROTOCOL.md §11.7–11.8 as typed calls on one device, for a realm's
/// agent: each call is one CTAPHID vendor command over `transport`, its request encoded and its reply
/// decoded with the firmware's own codecs, so host and chip cannot disagree on a byte.
public final class RealmDeviceLink {
    /// The device the calls go to.
    public let transport: any DeviceTransport

    public init(transport: any DeviceTransport) { self.transport = transport }

    // MARK: Member commands (0x60–0x67)

    /// The member's id, tail, configuration and proof base (all nil: not a member).
    public func info() throws(RealmLinkFailure) -> RealmInfo {
        guard case .realmInfo(let info) = try member(.realmInfo) else { throw unexpected(.realmInfo) }
        return info
    }

    /// The tree keys `requests` touch.
    public func treeKeys(_ requests: [RealmRequest]) throws(RealmLinkFailure) -> [[UInt8]] {
        guard case .treeKeys(let keys) = try member(.treeKeys(requests: requests)) else { throw unexpected(.treeKeys) }
        return keys
    }

    /// A batch with its proof (a `RecordTree` encoding) and sealed leaves → the next log entry.
    public func propose(_ requests: [RealmRequest], proof: [UInt8], leaves: [[UInt8]]) throws(RealmLinkFailure)
        -> RealmLogEntry
    {
        guard case .propose(let entry) = try member(.propose(requests: requests, proof: proof, leaves: leaves)) else {
            throw unexpected(.propose)
        }
        return entry
    }

    /// Captures `entry`: the member's statement (nil when it already voted at that index) and the
    /// responses of a batch it abandoned.
    public func capture(_ entry: RealmLogEntry) throws(RealmLinkFailure) -> RealmCapture {
        guard case .capture(let statement, let abandoned) = try member(.capture(entry: entry)) else {
            throw unexpected(.capture)
        }
        return RealmCapture(statement: statement, abandoned: abandoned)
    }

    /// Statements for the waiting entry → its responses once a majority holds it (none before).
    public func commit(_ statements: [RealmStatement]) throws(RealmLinkFailure) -> [RealmResponse] {
        guard case .commit(let released) = try member(.commit(statements: statements)) else {
            throw unexpected(.commit)
        }
        return released
    }

    /// Drops the waiting batch: its requests answered `abandoned`.
    public func stepDown() throws(RealmLinkFailure) -> [RealmResponse] {
        guard case .stepDown(let abandoned) = try member(.stepDown) else { throw unexpected(.stepDown) }
        return abandoned
    }

    /// The statement for the member's tail, again.
    public func tailStatement() throws(RealmLinkFailure) -> RealmStatement? {
        guard case .tailStatement(let statement) = try member(.tailStatement) else { throw unexpected(.tailStatement) }
        return statement
    }

    /// Moves the member to `entry` on `certificate`.
    public func jump(to entry: RealmLogEntry, certificate: [RealmStatement]) throws(RealmLinkFailure) {
        guard case .jump = try member(.jump(entry: entry, certificate: certificate)) else { throw unexpected(.jump) }
    }

    // MARK: Ceremony commands (0x68–0x6E)

    /// Checks `draft` on the device: its member id there and the draft's hash.
    public func checkDraft(_ draft: RealmDraft) throws(RealmLinkFailure) -> (memberID: UInt8, draftHash: [UInt8]) {
        guard case .checkDraft(let id, let hash) = try ceremony(.checkDraft(draft)) else {
            throw unexpected(RealmCeremonyOperation.checkDraft.rawValue)
        }
        return (id, hash)
    }

    /// Generates the realm's root inside the device: its sealed blob (opens on that device only) and
    /// the manifest it gives.
    public func generate(_ draft: RealmDraft) throws(RealmLinkFailure) -> (sealed: [UInt8], manifest: RealmManifest) {
        try secrets(.generate(draft))
    }

    /// A signed offer of a fresh ephemeral key, for an exporter.
    public func offer(_ draft: RealmDraft) throws(RealmLinkFailure) -> RealmExportOffer {
        guard case .offer(let offer) = try ceremony(.offer(draft)) else {
            throw unexpected(RealmCeremonyOperation.offer.rawValue)
        }
        return offer
    }

    /// The root of the device's `sealed` secrets, wrapped for the member that made `offer`.
    public func export(_ draft: RealmDraft, sealed: [UInt8], to offer: RealmExportOffer) throws(RealmLinkFailure)
        -> RealmExport
    {
        guard case .export(let export) = try ceremony(.export(draft, sealed: sealed, offer: offer)) else {
            throw unexpected(RealmCeremonyOperation.export.rawValue)
        }
        return export
    }

    /// Imports `export` against the device's outstanding offer: its sealed blob and the manifest.
    public func importSecrets(_ export: RealmExport) throws(RealmLinkFailure)
        -> (sealed: [UInt8], manifest: RealmManifest)
    {
        try secrets(.importSecrets(export))
    }

    /// The device's signature of `manifest`, given only if its own secrets give the manifest's AKE key.
    public func signManifest(_ manifest: RealmManifest, sealed: [UInt8]) throws(RealmLinkFailure) -> [UInt8] {
        guard case .signature(let signature) = try ceremony(.signManifest(manifest, sealed: sealed)) else {
            throw unexpected(RealmCeremonyOperation.signManifest.rawValue)
        }
        return signature
    }

    /// Joins the realm of `manifest`, signed by every member: the device's member id.
    public func join(_ manifest: RealmManifest, sealed: [UInt8], signatures: [[UInt8]]) throws(RealmLinkFailure)
        -> UInt8
    {
        guard case .joined(let id) = try ceremony(.join(manifest, sealed: sealed, signatures: signatures)) else {
            throw unexpected(RealmCeremonyOperation.join.rawValue)
        }
        return id
    }

    // MARK: Plumbing

    /// Sends a member command; a non-zero status is thrown.
    public func member(_ request: RealmLinkRequest) throws(RealmLinkFailure) -> RealmLinkReply {
        let command = request.operation.rawValue
        let bytes = try send(command, request.encodedPayload())
        let reply: RealmLinkReply
        do {
            reply = try RealmLinkReply(operation: request.operation, decoding: bytes)
        } catch {
            throw .malformedReply(command: command, error)
        }
        if case .failure(let status) = reply { throw .refused(status: status, command: command) }
        return reply
    }

    /// Sends a ceremony command; a non-zero status is thrown.
    public func ceremony(_ request: RealmCeremonyRequest) throws(RealmLinkFailure) -> RealmCeremonyReply {
        let command = request.operation.rawValue
        let bytes = try send(command, request.encodedPayload())
        let reply: RealmCeremonyReply
        do {
            reply = try RealmCeremonyReply(operation: request.operation, decoding: bytes)
        } catch {
            throw .malformedReply(command: command, error)
        }
        if case .failure(let status) = reply { throw .refused(status: status, command: command) }
        return reply
    }

    private func secrets(_ request: RealmCeremonyRequest) throws(RealmLinkFailure)
        -> (sealed: [UInt8], manifest: RealmManifest)
    {
        guard case .secrets(let sealed, let manifest) = try ceremony(request) else {
            throw unexpected(request.operation.rawValue)
        }
        return (sealed, manifest)
    }

    private func send(_ command: UInt8, _ payload: [UInt8]) throws(RealmLinkFailure) -> [UInt8] {
        do {
            return try transport.request(CTAPHIDCommand(rawValue: command), payload: payload)
        } catch {
            throw .device(error)
        }
    }

    /// A reply of another kind than its command's (the decoders never give one: a guard's else).
    private func unexpected(_ operation: RealmOperation) -> RealmLinkFailure {
        unexpected(operation.rawValue)
    }

    private func unexpected(_ command: UInt8) -> RealmLinkFailure {
        .malformedReply(command: command, .invalidValue)
    }
}
