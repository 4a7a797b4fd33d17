// The agents' HTTP API at its edges: a follower points at the leader (421 + Coffer-Leader), bad and
// oversize bodies get 400/413 and change nothing, status says who is who.

import AsyncHTTPClient
import CofferProtocol
import CofferRealmAgent
import Foundation
import NIOCore
import Testing

extension RealmHarness {
    /// POSTs `body` to `path` of agent `index`: status, the Coffer-Leader header, the body.
    func post(_ index: Int, _ path: String, _ body: [UInt8]) async throws -> (Int, String?, [UInt8]) {
        var request = HTTPClientRequest(url: servers[index]!.address + path)
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Coffer-Leader"), Array(buffer: bytes))
    }
}

@Suite("Realm agents' HTTP edges", .serialized)
struct AgentHTTPTests {
    @Test("a follower answers 421 naming the leader; the leader answers GetInfo as a device does")
    func redirect() async throws {
        try await withRealm(members: 3) { realm in
            let leader = try await realm.waitForLeader()
            let follower = (0..<3).first { $0 != leader }!
            let getInfo = [0, 0, 0, 9, VaultOperation.getInfo.rawValue] + VaultRequest.getInfo.encodedPayload()
            let (status, header, _) = try await realm.post(follower, "/v1/vault", getInfo)
            #expect(status == 421)
            #expect(header == realm.servers[leader]!.address)
            let (ok, _, reply) = try await realm.post(leader, "/v1/vault", getInfo)
            #expect(ok == 200)
            #expect(try VaultReply(decoding: reply).status == .ok)
        }
    }

    @Test("malformed and oversize bodies: 400 and 413, and the log does not move")
    func badBodies() async throws {
        try await withRealm(members: 3) { realm in
            let leader = try await realm.waitForLeader()
            let before = try await realm.lastIndex()
            let cases: [([UInt8], Int)] = [
                ([], 400),  // no channel
                ([0, 0, 0, 1], 400),  // no command
                ([0, 0, 0, 1, 0x7F], 400),  // no such vault command
                ([0, 0, 0, 1, VaultOperation.loginStart.rawValue, 0xFF], 400),  // a payload that does not decode
                ([0, 0, 0, 1, VaultOperation.loginStart.rawValue] + [UInt8](repeating: 1, count: 4096), 413),
            ]
            for (body, expected) in cases {
                let (status, _, _) = try await realm.post(leader, "/v1/vault", body)
                #expect(status == expected, "body of \(body.count) bytes")
            }
            let (capture, _, _) = try await realm.post(leader, "/v1/capture", [1, 2, 3])
            #expect(capture == 400)
            // A capture for an entry the store does not hold: refused, no statement.
            let (missing, _, _) = try await realm.post(leader, "/v1/capture", [UInt8](repeating: 0x7F, count: 40))
            #expect(missing == 409)
            #expect(try await realm.lastIndex() == before)
        }
    }
}
