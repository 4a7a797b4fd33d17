// The messages an agent exchanges with its realm member over the CTAPHID link (docs/PROTOCOL.md
// §11.7): one vendor command per member call, a request payload of version byte ‖ body, a reply of
// status byte ‖ body (body only when the status is ok). Pure codecs: one message has one encoding and
// every decoder refuses anything else — truncated input, trailing bytes, another version, a count or
// length over its named limit — so a member parses what an untrusted agent sends in bounded memory.
//
//   request  = RealmRequest on the wire: handle u64 ‖ channel u32 ‖ command u8 ‖ payload length u16 ‖
//              the VaultRequest payload (version ‖ body, the bytes the vault protocol carries)
//   response = handle u64 ‖ reply length u16 ‖ the VaultReply encoding (status ‖ body)
//   list     = count u16 ‖ items

import CofferProtocol

/// The agent ↔ member commands, numbered as the CTAPHID vendor commands that carry them (0x60...,
/// beside the vault's 0x40–0x45 and 0x50–0x52). Extend-only: numbers are never reused.
public enum RealmOperation: UInt8, CaseIterable, Equatable, Sendable {
    /// The member's id, tail, configuration and proof base.
    case realmInfo = 0x60
    /// The tree keys a batch of requests touches.
    case treeKeys = 0x61
    /// A batch with its proof and leaves → the next log entry (responses kept back).
    case propose = 0x62
    /// A log entry read from the store → the member's statement (and any abandoned responses).
    case capture = 0x63
    /// Statements for the waiting entry → its responses once a majority holds it.
    case commit = 0x64
    /// Drop the waiting batch → its requests answered `abandoned`.
    case stepDown = 0x65
    /// The statement for the member's tail, again.
    case tailStatement = 0x66
    /// Move to an entry on a certificate of statements.
    case jump = 0x67
}

/// A realm link message that does not follow its layout. Extend-only.
public enum RealmLinkError: Error, Equatable, Sendable {
    /// The message ended before a field it must contain.
    case truncated
    /// Bytes remain after the last field.
    case trailingBytes
    /// A count or length lies outside its named limit.
    case lengthOutOfRange
    /// A field holds a value its layout does not define, or a non-canonical encoding.
    case invalidValue
    /// The version byte is not `CofferProtocolVersion.current`.
    case unsupportedVersion
    /// The command byte names no realm operation.
    case unknownCommand
}

/// Named size limits of the link (docs/PROTOCOL.md §11.7, "Sizes").
public enum RealmLinkLimits {
    /// The largest message either way: one CTAPHID message.
    public static let maxMessageLength = 7609
    /// Most requests in a TreeKeys or Propose (an entry's most changes).
    public static let maxRequests = RealmLimits.maxChangesPerEntry
    /// Most leaves in a Propose.
    public static let maxLeaves = RealmLimits.maxChangesPerEntry
    /// Most statements in a Commit or a Jump certificate (every member of the largest group, twice).
    public static let maxStatements = 2 * RealmGroupConfiguration.maxMembers
    /// Longest VaultRequest payload carried in a RealmRequest.
    public static let maxVaultPayloadLength = 1024
    /// Longest VaultReply encoding carried in a RealmResponse.
    public static let maxVaultReplyLength = 1024
    /// Most responses in a reply.
    public static let maxResponses = RealmLimits.maxChangesPerEntry
    /// Fixed bytes of a RealmRequest on the wire: handle, channel, command, payload length.
    public static let requestOverhead = 8 + 4 + 1 + 2
    /// Fixed bytes of a RealmResponse on the wire: handle, reply length.
    public static let responseOverhead = 8 + 2
}

/// The reply status: 0 ok, 1...0x7F a `RealmError`, 0x80... the link's own.
public enum RealmLinkStatus {
    public static let ok: UInt8 = 0x00
    /// The request did not decode (any `RealmLinkError` but the two below).
    public static let malformed: UInt8 = 0x80
    public static let unsupportedVersion: UInt8 = 0x81
    public static let unknownCommand: UInt8 = 0x82
    /// The batch's entry or its responses would not fit one message: the member stepped down.
    public static let tooLarge: UInt8 = 0x83

    /// The status a decoding failure is answered with.
    public static func code(_ error: RealmLinkError) -> UInt8 {
        switch error {
        case .unsupportedVersion: unsupportedVersion
        case .unknownCommand: unknownCommand
        case .truncated, .trailingBytes, .lengthOutOfRange, .invalidValue: malformed
        }
    }
}

// MARK: Requests

/// A request from an agent to its member: the command byte is `operation.rawValue`, the payload
/// `encodedPayload()` (version ‖ body).
public enum RealmLinkRequest: Equatable, Sendable {
    /// body: empty
    case realmInfo
    /// body: requests
    case treeKeys(requests: [RealmRequest])
    /// body: requests ‖ proof (u16 length ‖ RecordTree encoding) ‖ leaves (u16 count ‖ (u16 length ‖ leaf)…)
    case propose(requests: [RealmRequest], proof: [UInt8], leaves: [[UInt8]])
    /// body: u16 length ‖ entry
    case capture(entry: RealmLogEntry)
    /// body: statements
    case commit(statements: [RealmStatement])
    /// body: empty
    case stepDown
    /// body: empty
    case tailStatement
    /// body: u16 length ‖ entry ‖ statements
    case jump(entry: RealmLogEntry, certificate: [RealmStatement])

    public var operation: RealmOperation {
        switch self {
        case .realmInfo: .realmInfo
        case .treeKeys: .treeKeys
        case .propose: .propose
        case .capture: .capture
        case .commit: .commit
        case .stepDown: .stepDown
        case .tailStatement: .tailStatement
        case .jump: .jump
        }
    }

    /// Version ‖ body.
    public func encodedPayload() -> [UInt8] {
        var writer = LinkWriter()
        writer.u8(CofferProtocolVersion.current)
        switch self {
        case .realmInfo, .stepDown, .tailStatement: break
        case .treeKeys(let requests): writer.requests(requests)
        case .propose(let requests, let proof, let leaves):
            writer.requests(requests)
            writer.field(proof)
            writer.u16(leaves.count)
            for leaf in leaves { writer.field(leaf) }
        case .capture(let entry): writer.field(entry.encoded())
        case .commit(let statements): writer.statements(statements)
        case .jump(let entry, let certificate):
            writer.field(entry.encoded())
            writer.statements(certificate)
        }
        return writer.bytes
    }

    /// Decodes the payload of vendor command `command`. The proof's bytes are checked as a
    /// RecordTree encoding when the member is called (a bad one is `malformed` there too).
    public init(command: UInt8, payload: [UInt8]) throws(RealmLinkError) {
        guard let operation = RealmOperation(rawValue: command) else { throw .unknownCommand }
        guard payload.count <= RealmLinkLimits.maxMessageLength else { throw .lengthOutOfRange }
        var reader = LinkReader(payload)
        guard try reader.u8() == CofferProtocolVersion.current else { throw .unsupportedVersion }
        switch operation {
        case .realmInfo: self = .realmInfo
        case .stepDown: self = .stepDown
        case .tailStatement: self = .tailStatement
        case .treeKeys: self = .treeKeys(requests: try reader.requests())
        case .propose:
            let requests = try reader.requests()
            let proof = try reader.field(limit: RealmLinkLimits.maxMessageLength)
            let count = try reader.count(limit: RealmLinkLimits.maxLeaves)
            var leaves: [[UInt8]] = []
            for _ in 0..<count { leaves.append(try reader.field(limit: RealmLimits.maxLeafLength)) }
            self = .propose(requests: requests, proof: proof, leaves: leaves)
        case .capture: self = .capture(entry: try reader.entry())
        case .commit: self = .commit(statements: try reader.statements())
        case .jump:
            let entry = try reader.entry()
            self = .jump(entry: entry, certificate: try reader.statements())
        }
        try reader.finish()
    }
}

// MARK: Replies

/// What `realmInfo` answers.
public struct RealmInfo: Equatable, Sendable {
    public var memberID: UInt8?
    public var tail: RealmTail?
    /// The configuration's encoding.
    public var configuration: [UInt8]?
    public var proofBase: RealmTail?

    public init(memberID: UInt8?, tail: RealmTail?, configuration: [UInt8]?, proofBase: RealmTail?) {
        self.memberID = memberID
        self.tail = tail
        self.configuration = configuration
        self.proofBase = proofBase
    }
}

/// A member's reply: status ‖ body, the body only when the status is ok.
public enum RealmLinkReply: Equatable, Sendable {
    /// A non-zero status: a `RealmError.wireCode` or a `RealmLinkStatus`.
    case failure(status: UInt8)
    /// option u8 ‖ option tail ‖ option (u16 length ‖ configuration) ‖ option tail (option = 0 | 1 ‖ value)
    case realmInfo(RealmInfo)
    /// u16 count ‖ keys (32 each)
    case treeKeys([[UInt8]])
    /// u16 length ‖ entry
    case propose(RealmLogEntry)
    /// opt(statement) ‖ responses (no statement: the member already voted at that index before it
    /// lost its tail, and follows without voting)
    case capture(statement: RealmStatement?, abandoned: [RealmResponse])
    /// responses (none: not yet a majority)
    case commit(released: [RealmResponse])
    /// responses
    case stepDown(abandoned: [RealmResponse])
    /// option statement
    case tailStatement(RealmStatement?)
    /// empty
    case jump

    public var status: UInt8 {
        if case .failure(let status) = self { return status }
        return RealmLinkStatus.ok
    }

    public func encoded() -> [UInt8] {
        var writer = LinkWriter()
        writer.u8(status)
        switch self {
        case .failure, .jump: break
        case .realmInfo(let info):
            if let id = info.memberID {
                writer.u8(1)
                writer.u8(id)
            } else {
                writer.u8(0)
            }
            writer.option(info.tail?.encoded())
            if let configuration = info.configuration {
                writer.u8(1)
                writer.field(configuration)
            } else {
                writer.u8(0)
            }
            writer.option(info.proofBase?.encoded())
        case .treeKeys(let keys):
            writer.u16(keys.count)
            for key in keys { writer.bytes += key }
        case .propose(let entry): writer.field(entry.encoded())
        case .capture(let statement, let abandoned):
            writer.option(statement?.encoded())
            writer.responses(abandoned)
        case .commit(let responses), .stepDown(let responses): writer.responses(responses)
        case .tailStatement(let statement): writer.option(statement?.encoded())
        }
        return writer.bytes
    }

    /// Decodes a member's reply to `operation`.
    public init(operation: RealmOperation, decoding bytes: [UInt8]) throws(RealmLinkError) {
        guard bytes.count <= RealmLinkLimits.maxMessageLength else { throw .lengthOutOfRange }
        var reader = LinkReader(bytes)
        let status = try reader.u8()
        guard status == RealmLinkStatus.ok else {
            try reader.finish()
            self = .failure(status: status)
            return
        }
        switch operation {
        case .realmInfo:
            let id: UInt8? = try reader.present() ? try reader.u8() : nil
            let tail: RealmTail? = try reader.present() ? try reader.tail() : nil
            let configuration: [UInt8]? =
                try reader.present() ? try reader.field(limit: RealmLinkLimits.maxMessageLength) : nil
            if let configuration, RealmGroupConfiguration(encoded: configuration) == nil { throw .invalidValue }
            let base: RealmTail? = try reader.present() ? try reader.tail() : nil
            self = .realmInfo(RealmInfo(memberID: id, tail: tail, configuration: configuration, proofBase: base))
        case .treeKeys:
            let count = try reader.count(limit: RealmLinkLimits.maxRequests)
            var keys: [[UInt8]] = []
            for _ in 0..<count { keys.append(try reader.take(32)) }
            self = .treeKeys(keys)
        case .propose: self = .propose(try reader.entry())
        case .capture:
            let statement: RealmStatement? = try reader.present() ? try reader.statement() : nil
            self = .capture(statement: statement, abandoned: try reader.responses())
        case .commit: self = .commit(released: try reader.responses())
        case .stepDown: self = .stepDown(abandoned: try reader.responses())
        case .tailStatement: self = .tailStatement(try reader.present() ? try reader.statement() : nil)
        case .jump: self = .jump
        }
        try reader.finish()
    }
}
