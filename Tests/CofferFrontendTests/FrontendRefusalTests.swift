import AsyncHTTPClient
import CofferFrontend
import CofferProtocol
import CofferRealmAccess
import CofferRealmStore
import Foundation
import Testing

/// Bad input at the front-end: each gets a clear status, and the agent (a witness listener) hears nothing.
@Suite struct FrontendRefusalTests {
    /// Runs `body` against a front-end routed to one witness agent registered as the group's leader.
    static func withFrontend(
        _ configuration: FrontendConfiguration = TestRealm.configuration(),
        _ body: (RunningFrontend, WitnessAgent, HTTPClient) async throws -> Void
    ) async throws {
        let witness = try await WitnessAgent()
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: witness.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: witness.url),
        ])
        let frontend = try await RunningFrontend(
            configuration: configuration, board: board,
            directory: FileManager.default.temporaryDirectory)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await body(frontend, witness, client)
        } catch {
            try? await client.shutdown()
            await frontend.stop()
            await witness.stop()
            throw error
        }
        try await client.shutdown()
        await frontend.stop()
        await witness.stop()
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer " + token] }

    @Test func aGoodRequestIsForwardedOnTheAccountsOwnChannel() async throws {
        try await Self.withFrontend { frontend, witness, client in
            let message = TestRealm.loginStart(TestRealm.recordID("alice"))
            let answer = try await client.post(
                frontend.url + "/v1/vault", body: message,
                headers: Self.bearer(TestRealm.token("alice")))
            let channel = AccountRecordID.channel(realmID: TestRealm.realmID, account: "alice")
            let channelBytes = (0..<4).map { UInt8(truncatingIfNeeded: channel >> (24 - 8 * $0)) }
            #expect(answer.status == 200)
            #expect(witness.requests == [channelBytes + message])
            #expect(answer.body == Array("ok:".utf8) + channelBytes + message)
            #expect(AccountRecordID.channel(realmID: TestRealm.realmID, account: "bob") != channel)
        }
    }

    static let malformed: [(String, [UInt8])] = {
        let good = TestRealm.loginStart(TestRealm.recordID("alice"))
        return [
            ("empty body", []),
            ("unknown command", [0x7E, CofferProtocolVersion.current]),
            ("no version byte", [VaultOperation.getInfo.rawValue]),
            ("wrong version", [VaultOperation.getInfo.rawValue, 0xEE]),
            ("truncated LoginStart", Array(good.prefix(good.count - 10))),
            ("trailing byte", good + [0]),
        ]
    }()

    @Test(arguments: 0..<6) func malformedBodiesAre400AndNothingIsForwarded(_ index: Int) async throws {
        let (what, body) = Self.malformed[index]
        try await Self.withFrontend { frontend, witness, client in
            let answer = try await client.post(
                frontend.url + "/v1/vault", body: body,
                headers: Self.bearer(TestRealm.token("alice")))
            #expect(answer.status == 400, "\(what)")
            #expect(witness.requests.isEmpty, "\(what)")
        }
    }

    @Test func anOversizeBodyIs413AndNothingIsForwarded() async throws {
        var configuration = TestRealm.configuration()
        configuration.maxBodyBytes = 512
        try await Self.withFrontend(configuration) { frontend, witness, client in
            let answer = try await client.post(
                frontend.url + "/v1/vault", body: Array(repeating: 0x44, count: 513),
                headers: Self.bearer(TestRealm.token("alice")))
            #expect(answer.status == 413)
            #expect(witness.requests.isEmpty)
        }
    }

    static let badTokens: [(String, @Sendable () -> [String: String])] = [
        ("no Authorization header", { [:] }),
        ("not a bearer token", { ["Authorization": "Basic YWxpY2U6cGFzcw=="] }),
        (
            "expired",
            { FrontendRefusalTests.bearer(TestRealm.token("alice", from: TestRealm.now - 3_600, lifetime: 60)) }
        ),
        ("not yet valid", { FrontendRefusalTests.bearer(TestRealm.token("alice", from: TestRealm.now + 3_600)) }),
        ("signed by another key", { FrontendRefusalTests.bearer(TestRealm.token("alice", key: TestRealm.otherKey)) }),
        (
            "for another realm",
            { FrontendRefusalTests.bearer(TestRealm.token("alice", realm: String(repeating: "00", count: 16))) }
        ),
        (
            "alg none",
            {
                let parts = TestRealm.token("alice").split(separator: ".")
                let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
                    .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_")
                return FrontendRefusalTests.bearer(none + "." + parts[1] + ".")
            }
        ),
        (
            "claims of another token under this signature",
            {
                let mallory = TestRealm.token("alice").split(separator: ".")
                let bob = TestRealm.token("bob").split(separator: ".")
                return FrontendRefusalTests.bearer([mallory[0], bob[1], mallory[2]].joined(separator: "."))
            }
        ),
    ]

    @Test(arguments: 0..<8) func badTokensAre401AndNothingIsForwarded(_ index: Int) async throws {
        let (what, headers) = Self.badTokens[index]
        try await Self.withFrontend { frontend, witness, client in
            // The request names bob's record, so that the tampered token (claims of bob) would pass the gate.
            let answer = try await client.post(
                frontend.url + "/v1/vault", body: TestRealm.loginStart(TestRealm.recordID("bob")),
                headers: headers())
            #expect(answer.status == 401, "\(what)")
            #expect(answer.headers["www-authenticate"] == "Bearer", "\(what)")
            #expect(witness.requests.isEmpty, "\(what)")
        }
    }

    @Test func anotherAccountsRecordIsRefused403() async throws {
        try await Self.withFrontend { frontend, witness, client in
            let bob = TestRealm.recordID("bob")
            let messages: [VaultRequest] = [
                .loginStart(LoginStartRequest(credentialID: bob, ke1: Array(repeating: 7, count: 96))),
                .registerStart(
                    RegisterStartRequest(
                        credentialID: bob, attemptLimit: 0,
                        registrationRequest: Array(repeating: 2, count: 33))),
                .registerFinish(
                    RegisterFinishRequest(credentialID: bob, registrationRecord: Array(repeating: 3, count: 97))),
                .zeroize(ZeroizeRequest(serial: 1)),
                .provision(ProvisionRequest(defaultAttemptLimit: 10)),
            ]
            for message in messages {
                let answer = try await client.post(
                    frontend.url + "/v1/vault", body: [message.operation.rawValue] + message.encodedPayload(),
                    headers: Self.bearer(TestRealm.token("alice")))
                #expect(answer.status == 403, "\(message.operation)")
            }
            #expect(witness.requests.isEmpty)
        }
    }

    @Test func anAccountOverItsRateGets429WithRetryAfterAndOthersDoNot() async throws {
        var configuration = TestRealm.configuration()
        configuration.rateBurst = 2
        configuration.ratePerSecond = 0.01
        try await Self.withFrontend(configuration) { frontend, witness, client in
            let alice = Self.bearer(TestRealm.token("alice"))
            var statuses: [Int] = []
            for _ in 0..<3 {
                let answer = try await client.post(
                    frontend.url + "/v1/vault",
                    body: TestRealm.loginStart(TestRealm.recordID("alice")), headers: alice)
                statuses.append(answer.status)
                if answer.status == 429 { #expect(Int(answer.headers["retry-after"] ?? "") ?? 0 >= 1) }
            }
            #expect(statuses == [200, 200, 429])
            let bob = try await client.post(
                frontend.url + "/v1/vault", body: TestRealm.loginStart(TestRealm.recordID("bob")),
                headers: Self.bearer(TestRealm.token("bob")))
            #expect(bob.status == 200)
            #expect(witness.requests.count == 3)
        }
    }

    @Test func aClientThatStallsInItsBodyGets408AndItsSlotIsFreed() async throws {
        var configuration = TestRealm.configuration()
        configuration.maxConcurrentRequests = 1
        configuration.bodyTimeoutMilliseconds = 300
        try await Self.withFrontend(configuration) { frontend, witness, client in
            let port = Int(frontend.url.split(separator: ":").last!)!
            let stalled = try StalledClient(port: port)
            let message = TestRealm.loginStart(TestRealm.recordID("alice"))
            try stalled.send(
                Array(
                    """
                    POST /v1/vault HTTP/1.1\r
                    Host: 127.0.0.1\r
                    Authorization: Bearer \(TestRealm.token("alice"))\r
                    Content-Length: \(message.count)\r
                    \r\n
                    """.utf8) + message.prefix(5))
            let status = await stalled.readStatusOffPool(timeoutSeconds: 20)
            #expect(status == 408)
            // The one slot is free again: the next request is served, not refused 503.
            let next = try await client.post(
                frontend.url + "/v1/vault", body: message,
                headers: Self.bearer(TestRealm.token("alice")))
            #expect(next.status == 200)
            #expect(witness.requests.count == 1)
            stalled.close()
        }
    }
}
