// The link's byte readers and writers (docs/PROTOCOL.md §11.7): bounds-checked fields, u16 counts
// and lengths under named limits, options, and the request/response/statement lists both directions
// share.

import CofferProtocol

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

extension LinkWriter {
    /// 0, or 1 ‖ `value`.
    mutating func option(_ value: [UInt8]?) {
        guard let value else { return u8(0) }
        u8(1)
        bytes += value
    }
}
