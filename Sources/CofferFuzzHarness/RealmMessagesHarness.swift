import CofferCrypto
import CofferFirmware

/// Fuzz target `realm-messages`: the decoders a realm member runs on what agents hand it — log
/// entries, captured statements, its tail page, group configurations and the ceremony's messages.
///
/// Input: one selector byte, then the message. Besides not crashing, each decoder accepts only its
/// canonical encoding: whatever it accepts re-encodes byte for byte. An accepted log entry's MAC is
/// then checked under a fixed key and must be refused unless the input was made with that key, and a
/// configuration's quorum is a majority of its members. The link's requests and replies, and the
/// ceremony commands' (one kind each), likewise accept only their canonical encodings.
enum RealmMessagesHarness {
    static let engine = OpenSSLCryptoEngine(suite: P256SHA256Suite())
    /// The group key seeds are made with.
    static let macKey = [UInt8](repeating: 0x4B, count: 32)

    enum Kind: UInt8, CaseIterable {
        case entry, statement, tail, configuration, draft, offer, export, manifest
        // The agent ↔ member link (RealmLink.swift): each command's request payload, then each reply.
        case realmInfoRequest, treeKeysRequest, proposeRequest, captureRequest, commitRequest, stepDownRequest, tailStatementRequest, jumpRequest
        case realmInfoReply, treeKeysReply, proposeReply, captureReply, commitReply, stepDownReply, tailStatementReply, jumpReply
        // The ceremony's commands (RealmCeremonyLink.swift): each request payload, then each reply.
        case checkDraftRequest, generateRequest, offerRequest, exportRequest, importRequest, signManifestRequest, joinRequest
        case checkDraftReply, generateReply, offerReply, exportReply, importReply, signManifestReply, joinReply

        /// The ceremony operation of a request or reply kind.
        var ceremonyOperation: (RealmCeremonyOperation, isRequest: Bool)? {
            let requests: [Kind] = [
                .checkDraftRequest, .generateRequest, .offerRequest, .exportRequest, .importRequest,
                .signManifestRequest, .joinRequest,
            ]
            let replies: [Kind] = [
                .checkDraftReply, .generateReply, .offerReply, .exportReply, .importReply, .signManifestReply,
                .joinReply,
            ]
            let operations = RealmCeremonyOperation.allCases
            if let index = requests.firstIndex(of: self) { return (operations[index], true) }
            if let index = replies.firstIndex(of: self) { return (operations[index], false) }
            return nil
        }

        /// The link operation of a request or reply kind.
        var linkOperation: (RealmOperation, isRequest: Bool)? {
            switch self {
            case .realmInfoRequest: (.realmInfo, true)
            case .treeKeysRequest: (.treeKeys, true)
            case .proposeRequest: (.propose, true)
            case .captureRequest: (.capture, true)
            case .commitRequest: (.commit, true)
            case .stepDownRequest: (.stepDown, true)
            case .tailStatementRequest: (.tailStatement, true)
            case .jumpRequest: (.jump, true)
            case .realmInfoReply: (.realmInfo, false)
            case .treeKeysReply: (.treeKeys, false)
            case .proposeReply: (.propose, false)
            case .captureReply: (.capture, false)
            case .commitReply: (.commit, false)
            case .stepDownReply: (.stepDown, false)
            case .tailStatementReply: (.tailStatement, false)
            case .jumpReply: (.jump, false)
            default: nil
            }
        }
    }

    /// Runs one input.
    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let message = Array(bytes.dropFirst())
        let kind = Kind(rawValue: selector % UInt8(Kind.allCases.count))
        if let (operation, isRequest) = kind?.linkOperation {
            runLink(operation, isRequest: isRequest, message)
            return
        }
        if let (operation, isRequest) = kind?.ceremonyOperation {
            runCeremony(operation, isRequest: isRequest, message)
            return
        }
        switch kind {
        case .entry:
            guard let entry = RealmLogEntry(decoding: message) else { return }
            invariant(entry.encoded() == message, "a log entry re-encodes differently")
            invariant(entry.changes.count <= RealmLimits.maxChangesPerEntry, "too many changes accepted")
            let remade = RealmLogEntry(decoding: entry.encoded())
            invariant(remade == entry, "a log entry does not decode to itself")
            _ = entry.isAuthentic(macKey: macKey, engine: engine)
        case .statement:
            guard let statement = RealmStatement(decoding: message) else { return }
            invariant(statement.encoded() == message, "a statement re-encodes differently")
        case .tail:
            guard let tail = RealmTail(decoding: message) else { return }
            invariant(tail.encoded() == message, "a tail re-encodes differently")
        case .configuration:
            guard let configuration = RealmGroupConfiguration(encoded: message) else { return }
            invariant(configuration.encoded() == message, "a configuration re-encodes differently")
            invariant(2 * configuration.quorum > configuration.members.count, "a quorum that is not a majority")
        case .draft:
            guard let draft = RealmDraft(encoded: message) else { return }
            invariant(draft.encoded() == message, "a draft re-encodes differently")
        case .offer:
            guard let offer = RealmExportOffer(encoded: message) else { return }
            invariant(offer.encoded() == message, "an export offer re-encodes differently")
        case .export:
            guard let export = RealmExport(encoded: message) else { return }
            invariant(export.encoded() == message, "an export re-encodes differently")
        case .manifest:
            guard let manifest = RealmManifest(encoded: message) else { return }
            invariant(manifest.encoded() == message, "a manifest re-encodes differently")
        default:
            return
        }
    }

    /// A ceremony command or reply: whatever decodes re-encodes byte for byte, within one message.
    static func runCeremony(_ operation: RealmCeremonyOperation, isRequest: Bool, _ message: [UInt8]) {
        if isRequest {
            guard let request = try? RealmCeremonyRequest(command: operation.rawValue, payload: message) else { return }
            invariant(request.operation == operation, "a ceremony request decoded as another command")
            invariant(request.encodedPayload() == message, "a ceremony request re-encodes differently")
        } else {
            guard let reply = try? RealmCeremonyReply(operation: operation, decoding: message) else { return }
            invariant(reply.encoded() == message, "a ceremony reply re-encodes differently")
            invariant(message.count <= RealmLinkLimits.maxMessageLength, "a ceremony reply over one message accepted")
        }
    }

    /// A link message: whatever decodes re-encodes byte for byte, within one CTAPHID message.
    static func runLink(_ operation: RealmOperation, isRequest: Bool, _ message: [UInt8]) {
        if isRequest {
            guard let request = try? RealmLinkRequest(command: operation.rawValue, payload: message) else { return }
            invariant(request.operation == operation, "a link request decoded as another command")
            invariant(request.encodedPayload() == message, "a link request re-encodes differently")
        } else {
            guard let reply = try? RealmLinkReply(operation: operation, decoding: message) else { return }
            invariant(reply.encoded() == message, "a link reply re-encodes differently")
            invariant(message.count <= RealmLinkLimits.maxMessageLength, "a link reply over one message accepted")
        }
    }
}
