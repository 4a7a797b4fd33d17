// Calls to other agents over HTTP (docs/PROTOCOL.md, "Realm agents (HTTP)"): a leader asks witnesses to
// capture, every agent asks its peers how they are. Peers are untrusted like the store: a statement
// they return counts only if its MAC verifies inside the leader member.

import AsyncHTTPClient
import CofferFirmware
import Foundation
import NIOCore

/// What `GET /v1/status` answers.
public struct AgentStatus: Codable, Equatable, Sendable {
    /// The member's id in its group.
    public var member: Int
    /// The group id, hex.
    public var group: String
    /// The member's tail index, nil when it lost its tail (it needs a jump).
    public var tail: UInt64?
    /// Whether this agent leads.
    public var leader: Bool
    /// The member this agent takes for the leader (the author of the store's last entry).
    public var leaderMember: Int?
    public var dataCenter: String
    /// Members whose agents answered recently (this one excluded).
    public var reachable: [Int]
}

/// An HTTP client for other agents' endpoints.
struct PeerClient: Sendable {
    let http: HTTPClient

    /// Asks the agent at `address` to capture through `index` and return its statement for the entry
    /// named `entryHash`; nil when it cannot (unreachable, behind, a different entry).
    func capture(at address: String, index: UInt64, entryHash: [UInt8], timeout: Duration) async -> RealmStatement? {
        var request = HTTPClientRequest(url: address + "/v1/capture")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: captureBody(index: index, entryHash: entryHash)))
        guard let body = await send(request, timeout: timeout) else { return nil }
        return RealmStatement(decoding: body)
    }

    /// The status of the agent at `address`, nil when it does not answer.
    func status(at address: String, timeout: Duration) async -> AgentStatus? {
        let request = HTTPClientRequest(url: address + "/v1/status")
        guard let body = await send(request, timeout: timeout) else { return nil }
        return try? JSONDecoder().decode(AgentStatus.self, from: Data(body))
    }

    private func send(_ request: HTTPClientRequest, timeout: Duration) async -> [UInt8]? {
        do {
            let response = try await http.execute(request, timeout: timeAmount(timeout))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else { return nil }
            return Array(buffer: body)
        } catch {
            return nil
        }
    }
}

/// `POST /v1/capture`'s body: index (u64 BE) ‖ entry hash (32).
func captureBody(index: UInt64, entryHash: [UInt8]) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: index >> (56 - 8 * UInt64($0))) } + entryHash
}

/// Parses `captureBody`.
func parseCaptureBody(_ bytes: [UInt8]) -> (index: UInt64, entryHash: [UInt8])? {
    guard bytes.count == 8 + 32 else { return nil }
    let index = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return (index, Array(bytes[8...]))
}

/// A Duration as NIO's TimeAmount.
func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}
