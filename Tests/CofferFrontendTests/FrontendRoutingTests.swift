import AsyncHTTPClient
import CofferFrontend
import CofferRealmStore
import Foundation
import Logging
import Testing

/// The front-end finds the leader in discovery, follows 421 to the leader discovery lists, moves past
/// an agent that refuses connections, and never sends a request twice when the agent may have acted.
@Suite struct FrontendRoutingTests {
    static let alice = FrontendRefusalTests.bearer(TestRealm.token("alice"))
    static var message: [UInt8] { TestRealm.loginStart(TestRealm.recordID("alice")) }

    static func frontend(_ board: DiscoveryBoard) async throws -> RunningFrontend {
        try await RunningFrontend(board: board, directory: FileManager.default.temporaryDirectory)
    }

    @Test func a421IsFollowedToTheLeaderAndTheLeaderIsRemembered() async throws {
        let leader = try await WitnessAgent()
        let follower = try await WitnessAgent { _ in (421, [], [AgentForwarder.leaderHeader: leader.url]) }
        let board = DiscoveryBoard()
        // Discovery is stale: it still names the follower as leader.
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: follower.url),
            ServiceRecord(kind: "agent", name: TestRealm.group + "/1", address: leader.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: follower.url),
        ])
        let frontend = try await Self.frontend(board)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let first = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
        let second = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
        let metrics = try await client.get(frontend.url + "/metrics")
        try await client.shutdown()
        await frontend.stop()
        await leader.stop()
        await follower.stop()
        #expect(first.status == 200 && second.status == 200)
        #expect(follower.requests.count == 1)
        #expect(leader.requests.count == 2)
        #expect(metrics.text.contains("coffer_frontend_forward_retries_total 1"))
    }

    @Test func aLeaderHintThatDiscoveryDoesNotListIsNotFollowed() async throws {
        let stranger = try await WitnessAgent()
        let other = try await WitnessAgent()
        let liar = try await WitnessAgent { _ in (421, [], [AgentForwarder.leaderHeader: stranger.url]) }
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: liar.url),
            ServiceRecord(kind: "agent", name: TestRealm.group + "/1", address: other.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: liar.url),
        ])
        let frontend = try await Self.frontend(board)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let answer = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
        try await client.shutdown()
        await frontend.stop()
        for agent in [stranger, other, liar] { await agent.stop() }
        #expect(answer.status == 200)
        #expect(stranger.requests.isEmpty)
        #expect(liar.requests.count == 1)
        #expect(other.requests.count == 1)
    }

    @Test func anAgentThatRefusesConnectionsIsPassedOver() async throws {
        // A port held bound but not listening: connections are refused, and no other test's listener can
        // take the port meanwhile (a stopped server's port could be reused by one running in parallel).
        let gone = try RefusingPort()
        defer { gone.close() }
        let alive = try await WitnessAgent()
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: gone.url),
            ServiceRecord(kind: "agent", name: TestRealm.group + "/1", address: alive.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: gone.url),
        ])
        let frontend = try await Self.frontend(board)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let answer = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
        try await client.shutdown()
        await frontend.stop()
        await alive.stop()
        #expect(answer.status == 200)
        #expect(alive.requests.count == 1)
    }

    @Test func a503FromTheLeaderIsPassedOnAndNotRetried() async throws {
        let leader = try await WitnessAgent { _ in (503, Array("no majority: 2 of 5 members answer".utf8), [:]) }
        let other = try await WitnessAgent()
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: leader.url),
            ServiceRecord(kind: "agent", name: TestRealm.group + "/1", address: other.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: leader.url),
        ])
        let frontend = try await Self.frontend(board)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let answer = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
        try await client.shutdown()
        await frontend.stop()
        await leader.stop()
        await other.stop()
        #expect(answer.status == 503)
        #expect(answer.text.contains("no majority"))
        #expect(leader.requests.count == 1)
        #expect(other.requests.isEmpty)
    }

    @Test func noAgentInDiscoveryIs503AfterTheDeadline() async throws {
        var configuration = TestRealm.configuration()
        configuration.forwardDeadlineMilliseconds = 300
        let board = DiscoveryBoard()
        let frontend = try await RunningFrontend(
            configuration: configuration, board: board,
            directory: FileManager.default.temporaryDirectory)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let answer = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
        let health = try await client.get(frontend.url + "/healthz")
        try await client.shutdown()
        await frontend.stop()
        #expect(answer.status == 503)
        #expect(answer.text.contains("no agent"))
        #expect(health.status == 503)
    }

    @Test func healthAndMetricsSayWhatHappened() async throws {
        try await FrontendRefusalTests.withFrontend { frontend, witness, client in
            _ = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: Self.alice)
            _ = try await client.post(frontend.url + "/v1/vault", body: Self.message, headers: [:])
            let health = try await client.get(frontend.url + "/healthz")
            let metrics = try await client.get(frontend.url + "/metrics")
            #expect(health.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any]
            #expect(json?["realm"] as? String == TestRealm.realmHex)
            #expect(json?["group"] as? String == TestRealm.group)
            #expect(json?["leader"] as? String == witness.url)
            #expect(json?["agents"] as? [String] == [witness.url])
            #expect(metrics.text.contains(#"coffer_frontend_requests_total{status="200"} 1"#))
            #expect(metrics.text.contains(#"coffer_frontend_requests_total{status="401"} 1"#))
            #expect(metrics.text.contains("coffer_frontend_request_duration_seconds_count 2"))
            #expect(metrics.text.contains("coffer_frontend_requests_in_flight 0"))
        }
    }
}

/// What the front-end logs: one structured line per vault request, and never a token or a body.
@Suite struct FrontendLogTests {
    @Test func logsNameStatusAndOperationButNeverTheTokenOrTheBody() async throws {
        let witness = try await WitnessAgent()
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: witness.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: witness.url),
        ])
        let lines = CapturingLogHandler.Lines()
        let frontend = try await RunningFrontend(
            board: board, directory: FileManager.default.temporaryDirectory,
            logger: Logger(label: "coffer-frontend-test", factory: { _ in CapturingLogHandler(lines: lines) }))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let token = TestRealm.token("alice")
        let forged = TestRealm.token("alice", key: TestRealm.otherKey)
        let message = TestRealm.loginStart(TestRealm.recordID("alice"))
        _ = try await client.post(
            frontend.url + "/v1/vault", body: message, headers: ["Authorization": "Bearer " + token])
        _ = try await client.post(
            frontend.url + "/v1/vault", body: message, headers: ["Authorization": "Bearer " + forged])
        try await client.shutdown()
        await frontend.stop()
        await witness.stop()
        let logged = lines.all.withLock { $0 }
        let vaultLines = logged.filter { $0.contains("vault request") }
        #expect(vaultLines.count == 2)
        #expect(vaultLines.contains { $0.contains("status=200") && $0.contains("operation=loginStart") })
        #expect(vaultLines.contains { $0.contains("status=401") })
        let everything = logged.joined(separator: "\n")
        let tokenParts: [String] = token.split(separator: ".").map(String.init)
        let forgedParts: [String] = forged.split(separator: ".").map(String.init)
        let secrets: [String] = [token, forged] + tokenParts + forgedParts
        for secret in secrets {
            #expect(!everything.contains(secret))
        }
        #expect(!everything.contains("\(message)"))
        #expect(!everything.contains("\(message.prefix(8))".dropLast()))
        // Nor the account's name or its whole record id (only a short tag of the id follows a request).
        #expect(!everything.contains(TestRealm.recordID("alice").map { String(format: "%02x", $0) }.joined()))
        #expect(!everything.contains("alice"))
    }
}
