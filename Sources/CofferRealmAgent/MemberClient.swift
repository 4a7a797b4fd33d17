// The member's calls, typed: each encodes a `RealmLinkRequest`, sends it over the connection and
// decodes the `RealmLinkReply`, turning a non-ok status into `MemberFailure`.

import CofferFirmware

/// Why a member call did not give an answer.
public enum MemberFailure: Error, Equatable, CustomStringConvertible {
    /// The member refused with a `RealmError` (its wire code decoded).
    case refused(RealmError)
    /// The member answered a link status (malformed, too large...) or an unknown code.
    case linkStatus(UInt8)
    /// The reply did not decode as the answer to the command sent.
    case badReply(RealmLinkError)
    /// The connection failed (the member is off, the link is down).
    case unreachable(String)

    public var description: String {
        switch self {
        case .refused(let error): "member refused: \(error)"
        case .linkStatus(let status): "member answered link status 0x\(String(status, radix: 16))"
        case .badReply(let error): "member reply does not decode: \(error)"
        case .unreachable(let why): "member unreachable: \(why)"
        }
    }
}

/// Typed calls to one member.
public struct MemberClient: Sendable {
    public let connection: any RealmMemberConnection

    public init(connection: any RealmMemberConnection) {
        self.connection = connection
    }

    func call(_ request: RealmLinkRequest) async throws(MemberFailure) -> RealmLinkReply {
        let bytes: [UInt8]
        do {
            bytes = try await connection.exchange(command: request.operation.rawValue, payload: request.encodedPayload())
        } catch {
            throw .unreachable("\(error)")
        }
        let reply: RealmLinkReply
        do {
            reply = try RealmLinkReply(operation: request.operation, decoding: bytes)
        } catch {
            throw .badReply(error)
        }
        if case .failure(let status) = reply {
            if let error = RealmError(wireCode: status) { throw .refused(error) }
            throw .linkStatus(status)
        }
        return reply
    }

    public func info() async throws(MemberFailure) -> RealmInfo {
        guard case .realmInfo(let info) = try await call(.realmInfo) else { throw .badReply(.invalidValue) }
        return info
    }

    public func treeKeys(_ requests: [RealmRequest]) async throws(MemberFailure) -> [[UInt8]] {
        guard case .treeKeys(let keys) = try await call(.treeKeys(requests: requests)) else {
            throw .badReply(.invalidValue)
        }
        return keys
    }

    public func propose(_ requests: [RealmRequest], proof: [UInt8], leaves: [[UInt8]]) async throws(MemberFailure)
        -> RealmLogEntry
    {
        guard case .propose(let entry) = try await call(.propose(requests: requests, proof: proof, leaves: leaves))
        else { throw .badReply(.invalidValue) }
        return entry
    }

    /// The member's statement (nil when it follows without voting) and the responses of its own
    /// batch when the captured entry is not its own (it stepped down).
    public func capture(_ entry: RealmLogEntry) async throws(MemberFailure)
        -> (statement: RealmStatement?, abandoned: [RealmResponse])
    {
        guard case .capture(let statement, let abandoned) = try await call(.capture(entry: entry)) else {
            throw .badReply(.invalidValue)
        }
        return (statement, abandoned)
    }

    public func commit(_ statements: [RealmStatement]) async throws(MemberFailure) -> [RealmResponse] {
        guard case .commit(let released) = try await call(.commit(statements: statements)) else {
            throw .badReply(.invalidValue)
        }
        return released
    }

    public func stepDown() async throws(MemberFailure) -> [RealmResponse] {
        guard case .stepDown(let abandoned) = try await call(.stepDown) else { throw .badReply(.invalidValue) }
        return abandoned
    }

    public func tailStatement() async throws(MemberFailure) -> RealmStatement? {
        guard case .tailStatement(let statement) = try await call(.tailStatement) else { throw .badReply(.invalidValue) }
        return statement
    }

    public func jump(to entry: RealmLogEntry, certificate: [RealmStatement]) async throws(MemberFailure) {
        guard case .jump = try await call(.jump(entry: entry, certificate: certificate)) else {
            throw .badReply(.invalidValue)
        }
    }
}
