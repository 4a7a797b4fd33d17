import CofferRealmAccess
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The front-end's HTTP routes: `POST /v1/vault`, `GET /healthz`, `GET /metrics`.
///
/// Every refusal happens before a byte goes to an agent, in this order: a free slot (503), the token
/// (401), the account's rate (429), the body's size (413) and arrival time (408), the vault message
/// itself (400, 403). Logs carry the status, the operation, the time taken and a short tag of the
/// account's record id; never a token, a body or a reason a client wrote.
public final class FrontendService: Sendable {
    public let configuration: FrontendConfiguration
    public let metrics: FrontendMetrics
    let routing: FrontendRouting
    let forwarder: AgentForwarder
    let gate: VaultGate
    let logger: Logger
    private let limiter: Mutex<AccountRateLimiter>
    private let busy = Mutex(0)
    private let epoch = ContinuousClock.now

    public init(configuration: FrontendConfiguration, routing: FrontendRouting, logger: Logger) {
        self.configuration = configuration
        self.routing = routing
        self.logger = logger
        metrics = FrontendMetrics()
        gate = VaultGate(realmID: configuration.realmID)
        limiter = Mutex(AccountRateLimiter(burst: configuration.rateBurst, perSecond: configuration.ratePerSecond))
        forwarder = AgentForwarder(routing: routing, configuration: configuration, metrics: metrics, logger: logger)
    }

    /// The routes, for an `Application`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/vault") { request, _ in await self.vault(request) }
        router.get("/healthz") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: self.metrics.exposition())))
        }
        return router
    }

    /// Closes the connections to agents (at shutdown).
    public func shutdown() async {
        await forwarder.shutdown()
    }

    // MARK: - POST /v1/vault

    func vault(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        var tag = "-"
        var operation = "-"
        let response: Response
        if claimSlot() {
            defer { releaseSlot() }
            response = await vault(request, tag: &tag, operation: &operation)
        } else {
            response = refusal(
                .serviceUnavailable, "the front-end is at its limit of concurrent requests",
                headers: [Self.retryAfter: "1"])
        }
        let took = ContinuousClock.now - started
        metrics.answered(status: response.status.code, after: took)
        logger.info(
            "vault request",
            metadata: [
                "status": "\(response.status.code)", "operation": "\(operation)", "account": "\(tag)",
                "ms": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)",
            ])
        return response
    }

    private func vault(_ request: Request, tag: inout String, operation: inout String) async -> Response {
        let token: AccessToken
        switch authenticate(request) {
        case .success(let verified): token = verified
        case .failure(let error):
            return refusal(.unauthorized, error.description, headers: [.wwwAuthenticate: "Bearer"])
        }
        tag = Self.tag(AccountRecordID.derive(realmID: configuration.realmID, account: token.account))
        let now = (ContinuousClock.now - epoch) / .seconds(1)
        if let wait = limiter.withLock({ $0.take(account: token.account, now: now) }) {
            return refusal(
                .tooManyRequests, "this account's request rate is over its limit",
                headers: [Self.retryAfter: String(max(1, Int(wait.rounded(.up))))])
        }
        let body: [UInt8]
        switch await readBody(request) {
        case .success(let bytes): body = bytes
        case .failure(.tooLarge):
            return refusal(
                .contentTooLarge, "the body is over \(configuration.maxBodyBytes) bytes",
                headers: [.connection: "close"])
        case .failure(.tooSlow):
            return refusal(.requestTimeout, "the body did not arrive in time", headers: [.connection: "close"])
        case .failure(.broken):
            return refusal(.badRequest, "the body could not be read", headers: [.connection: "close"])
        }
        switch gate.decide(account: token.account, message: body) {
        case .refuse(let status, let reason):
            return refusal(HTTPResponse.Status(code: status), reason)
        case .forward(let forwarded, let vaultOperation):
            operation = "\(vaultOperation)"
            switch await forwarder.forward(forwarded) {
            case .reply(let reply):
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply)))
            case .failure(let status, let reason):
                return refusal(HTTPResponse.Status(code: status), reason)
            }
        }
    }

    private func authenticate(_ request: Request) -> Result<AccessToken, AccessTokenError> {
        guard let field = request.headers[.authorization], field.hasPrefix("Bearer ") else {
            return .failure(.malformed)
        }
        let now = Int64(Date().timeIntervalSince1970)
        do {
            return .success(
                try AccessToken(
                    verifying: String(field.dropFirst("Bearer ".count)), key: configuration.authKey,
                    realmHex: configuration.realmHex, now: now, leeway: configuration.tokenLeewaySeconds))
        } catch {
            return .failure(error)
        }
    }

    enum BodyFailure: Error { case tooLarge, tooSlow, broken }

    /// The body, at most `maxBodyBytes`, within `bodyTimeoutMilliseconds` of the head.
    private func readBody(_ request: Request) async -> Result<[UInt8], BodyFailure> {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            return .failure(.tooLarge)
        }
        let timeout = Duration.milliseconds(configuration.bodyTimeoutMilliseconds)
        return await withTaskGroup(of: Result<[UInt8], BodyFailure>.self) { group in
            group.addTask {
                do {
                    return .success(Array(buffer: try await request.body.collect(upTo: limit)))
                } catch let error as HTTPError where error.status == .contentTooLarge {
                    return .failure(.tooLarge)
                } catch {
                    return .failure(Task.isCancelled ? .tooSlow : .broken)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .failure(.tooSlow)
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
    }

    // MARK: - GET /healthz

    func health() async -> Response {
        let body: [String: Any]
        let status: HTTPResponse.Status
        do {
            let seen = try await routing.snapshot()
            body = [
                "status": seen.agents.isEmpty ? "no-agents" : "ok", "realm": configuration.realmHex,
                "group": seen.group, "leader": seen.leader.map { $0 as Any } ?? NSNull(), "agents": seen.agents,
            ]
            status = seen.agents.isEmpty ? .serviceUnavailable : .ok
        } catch {
            body = ["status": "unavailable", "realm": configuration.realmHex, "reason": error.description]
            status = .serviceUnavailable
        }
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? JSONSerialization.data(withJSONObject: body, options: options)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    // MARK: - Helpers

    static let retryAfter = HTTPField.Name("Retry-After")!

    private func refusal(_ status: HTTPResponse.Status, _ reason: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: reason + "\n")))
    }

    private func claimSlot() -> Bool {
        busy.withLock { count in
            guard count < configuration.maxConcurrentRequests else { return false }
            count += 1
            metrics.inFlight.set(Int64(count))
            return true
        }
    }

    private func releaseSlot() {
        busy.withLock { count in
            count -= 1
            metrics.inFlight.set(Int64(count))
        }
    }

    /// The first 4 bytes of a record id in hex: enough to follow one account through the logs.
    static func tag(_ id: [UInt8]) -> String {
        id.prefix(4).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
