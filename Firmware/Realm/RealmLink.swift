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

extension RealmError {
    /// The stable wire code of this error (never renumbered; every HAL error is one code).
    public var wireCode: UInt8 {
        switch self {
        case .hal: 0x01
        case .notMember: 0x02
        case .alreadyMember: 0x03
        case .membershipDamaged: 0x04
        case .notInGroup: 0x05
        case .needsJump: 0x06
        case .wrongGroup: 0x07
        case .forged: 0x08
        case .notNext: 0x09
        case .busy: 0x0A
        case .noProposal: 0x0B
        case .proofMismatch: 0x0C
        case .proofIncomplete: 0x0D
        case .leafInvalid: 0x0E
        case .batchSize: 0x0F
        case .certificateInsufficient: 0x10
        }
    }

    /// The error a wire code names, for an agent (a HAL error comes back as `.hal(.ioFailure)`: the
    /// wire does not say which); nil for an unknown code.
    public init?(wireCode: UInt8) {
        switch wireCode {
        case 0x01: self = .hal(.ioFailure)
        case 0x02: self = .notMember
        case 0x03: self = .alreadyMember
        case 0x04: self = .membershipDamaged
        case 0x05: self = .notInGroup
        case 0x06: self = .needsJump
        case 0x07: self = .wrongGroup
        case 0x08: self = .forged
        case 0x09: self = .notNext
        case 0x0A: self = .busy
        case 0x0B: self = .noProposal
        case 0x0C: self = .proofMismatch
        case 0x0D: self = .proofIncomplete
        case 0x0E: self = .leafInvalid
        case 0x0F: self = .batchSize
        case 0x10: self = .certificateInsufficient
        default: return nil
        }
    }
}

// MARK: Reading and writing

/// A bounds-checked reader that throws `RealmLinkError`.
struct LinkReader {
    private var reader: RealmReader

    init(_ bytes: [UInt8]) { reader = RealmReader(bytes) }

    mutating func u8() throws(RealmLinkError) -> UInt8 {
        guard let value = reader.u8() else { throw .truncated }
        return value
    }

    mutating func u16() throws(RealmLinkError) -> UInt16 {
        guard let value = reader.u16() else { throw .truncated }
        return value
    }

    mutating func u32() throws(RealmLinkError) -> UInt32 {
        guard let value = reader.u32() else { throw .truncated }
        return value
    }

    mutating func u64() throws(RealmLinkError) -> UInt64 {
        guard let value = reader.u64() else { throw .truncated }
        return value
    }

    mutating func take(_ count: Int) throws(RealmLinkError) -> [UInt8] {
        guard let value = reader.take(count) else { throw .truncated }
        return value
    }

    /// A u16 count, at most `limit`.
    mutating func count(limit: Int) throws(RealmLinkError) -> Int {
        let count = Int(try u16())
        guard count <= limit else { throw .lengthOutOfRange }
        return count
    }

    /// A u16-length-prefixed field of at most `limit` bytes.
    mutating func field(limit: Int) throws(RealmLinkError) -> [UInt8] {
        let length = Int(try u16())
        guard length <= limit else { throw .lengthOutOfRange }
        return try take(length)
    }

    /// An option tag: 0 absent, 1 present.
    mutating func present() throws(RealmLinkError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw .invalidValue
        }
    }

    /// A statement (fixed length).
    mutating func statement() throws(RealmLinkError) -> RealmStatement {
        guard let statement = RealmStatement(decoding: try take(RealmStatement.length)) else { throw .invalidValue }
        return statement
    }

    /// A tail (fixed length).
    mutating func tail() throws(RealmLinkError) -> RealmTail {
        guard let tail = RealmTail(decoding: try take(RealmTail.length)) else { throw .invalidValue }
        return tail
    }

    /// A u16-length-prefixed log entry.
    mutating func entry() throws(RealmLinkError) -> RealmLogEntry {
        let bytes = try field(limit: RealmLinkLimits.maxMessageLength)
        guard let entry = RealmLogEntry(decoding: bytes) else { throw .invalidValue }
        return entry
    }

    mutating func request() throws(RealmLinkError) -> RealmRequest {
        let handle = try u64()
        let channel = try u32()
        let command = try u8()
        let payload = try field(limit: RealmLinkLimits.maxVaultPayloadLength)
        let request: VaultRequest
        do {
            request = try VaultRequest(command: command, payload: payload)
        } catch {
            throw .invalidValue
        }
        return RealmRequest(handle: handle, channel: channel, request: request)
    }

    mutating func response() throws(RealmLinkError) -> RealmResponse {
        let handle = try u64()
        let bytes = try field(limit: RealmLinkLimits.maxVaultReplyLength)
        let reply: VaultReply
        do {
            reply = try VaultReply(decoding: bytes)
        } catch {
            throw .invalidValue
        }
        return RealmResponse(handle: handle, reply: reply)
    }

    mutating func requests() throws(RealmLinkError) -> [RealmRequest] {
        let count = try count(limit: RealmLinkLimits.maxRequests)
        var out: [RealmRequest] = []
        for _ in 0..<count { out.append(try request()) }
        return out
    }

    mutating func responses() throws(RealmLinkError) -> [RealmResponse] {
        let count = try count(limit: RealmLinkLimits.maxResponses)
        var out: [RealmResponse] = []
        for _ in 0..<count { out.append(try response()) }
        return out
    }

    mutating func statements() throws(RealmLinkError) -> [RealmStatement] {
        let count = try count(limit: RealmLinkLimits.maxStatements)
        var out: [RealmStatement] = []
        for _ in 0..<count { out.append(try statement()) }
        return out
    }

    func finish() throws(RealmLinkError) {
        guard reader.isAtEnd else { throw .trailingBytes }
    }
}

/// Appends the link's fields.
struct LinkWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: Int) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
    mutating func field(_ value: [UInt8]) {
        u16(value.count)
        bytes += value
    }
    mutating func request(_ request: RealmRequest) {
        bytes += bigEndian(request.handle) + bigEndian(request.channel)
        u8(request.request.operation.rawValue)
        field(request.request.encodedPayload())
    }
    mutating func response(_ response: RealmResponse) {
        bytes += bigEndian(response.handle)
        field(response.reply.encoded())
    }
    mutating func requests(_ list: [RealmRequest]) {
        u16(list.count)
        for item in list { request(item) }
    }
    mutating func responses(_ list: [RealmResponse]) {
        u16(list.count)
        for item in list { response(item) }
    }
    mutating func statements(_ list: [RealmStatement]) {
        u16(list.count)
        for item in list { bytes += item.encoded() }
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

extension LinkWriter {
    /// 0, or 1 ‖ `value`.
    mutating func option(_ value: [UInt8]?) {
        guard let value else { return u8(0) }
        u8(1)
        bytes += value
    }
}

// MARK: Dispatch

extension RealmMember {
    /// Serves one agent command: decodes `payload` as the request of vendor command `command`, calls
    /// the member and returns the encoded reply, always within `RealmLinkLimits.maxMessageLength`.
    /// A batch whose entry or responses would not fit one message is stepped down and answered
    /// `tooLarge` (nothing of it was released, so nothing was counted).
    public func handle(command: UInt8, payload: [UInt8]) -> [UInt8] {
        let request: RealmLinkRequest
        do {
            request = try RealmLinkRequest(command: command, payload: payload)
        } catch {
            return RealmLinkReply.failure(status: RealmLinkStatus.code(error)).encoded()
        }
        do throws(RealmError) {
            return try serve(request).encoded()
        } catch {
            return RealmLinkReply.failure(status: error.wireCode).encoded()
        }
    }

    func serve(_ request: RealmLinkRequest) throws(RealmError) -> RealmLinkReply {
        switch request {
        case .realmInfo:
            return .realmInfo(
                RealmInfo(memberID: memberID, tail: tail, configuration: configuration?.encoded(), proofBase: proofBase))
        case .treeKeys(let requests):
            return .treeKeys(treeKeys(for: requests))
        case .propose(let requests, let proofBytes, let leaves):
            let proof: RecordTree
            do {
                proof = try RecordTree(decoding: proofBytes)
            } catch {
                return .failure(status: RealmLinkStatus.malformed)
            }
            let entry = try propose(requests, proof: proof, leaves: leaves)
            let reply = RealmLinkReply.propose(entry)
            let released = RealmLinkReply.commit(released: proposal?.responses ?? [])
            guard reply.encoded().count <= RealmLinkLimits.maxMessageLength,
                released.encoded().count <= RealmLinkLimits.maxMessageLength
            else {
                _ = stepDown()
                return .failure(status: RealmLinkStatus.tooLarge)
            }
            return reply
        case .capture(let entry):
            let captured = try capture(entry)
            return .capture(statement: captured.statement, abandoned: captured.abandoned)
        case .commit(let statements):
            return .commit(released: try commit(statements))
        case .stepDown:
            return .stepDown(abandoned: stepDown())
        case .tailStatement:
            return .tailStatement(tailStatement())
        case .jump(let entry, let certificate):
            try jump(to: entry, certificate: certificate)
            return .jump
        }
    }
}
