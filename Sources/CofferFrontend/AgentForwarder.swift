import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The end of one forward: the agent's reply, or the status and reason the client gets instead.
public enum ForwardOutcome: Equatable, Sendable {
    /// The leader's reply bytes, exactly as a device answers.
    case reply([UInt8])
    /// No reply: 502 (an agent answered nonsense), 503 (no leader, no majority) or 504 (deadline).
    case failure(status: Int, reason: String)
}

/// Sends vault messages to the group's leader agent (`POST {agent}/v1/vault`) and follows leader changes.
///
/// A request is sent again only when the agent cannot have acted on it: it answered 421 (not the
/// leader: it forwarded nothing to its member), or the connection was never made (refused, or the
/// connect timed out). Anything else that went wrong after the bytes left (a reset, a timeout, a 503
/// or 504 from the agent) ends the request: a LoginStart sent twice could count two attempts.
public final class AgentForwarder: Sendable {
    /// The header an agent that is not the leader names the leader in.
    public static let leaderHeader = "Coffer-Leader"
    /// The largest reply read from an agent.
    static let maxReplyBytes = 64 * 1024

    private let client: HTTPClient
    private let routing: FrontendRouting
    private let configuration: FrontendConfiguration
    private let metrics: FrontendMetrics
    private let logger: Logger

    public init(
        routing: FrontendRouting, configuration: FrontendConfiguration, metrics: FrontendMetrics,
        logger: Logger
    ) {
        var clientConfiguration = HTTPClient.Configuration()
        // A refused connection must fail at once (then we pick another agent), not be retried by the pool
        // until the deadline.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.timeout.connect = .milliseconds(
            Int64(min(2_000, configuration.forwardDeadlineMilliseconds)))
        clientConfiguration.redirectConfiguration = .disallow
        // A connection per request in flight, kept alive: with the pool's default of 8 per agent, the
        // rest of a busy front-end's forwards queued for a connection and failed after the connect
        // timeout (2 s) whenever commits took longer than that (64 clients of the load test did).
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit =
            configuration.maxConcurrentRequests
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        self.routing = routing
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// Closes the client's connections (at shutdown).
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Forwards `body` (channel ‖ command ‖ payload) to the leader within the configured deadline.
    public func forward(_ body: [UInt8]) async -> ForwardOutcome {
        let deadline = NIODeadline.now() + .milliseconds(Int64(configuration.forwardDeadlineMilliseconds))
        var retry = 0
        var lastProblem = "no agent answered"
        while true {
            if retry > 0 {
                metrics.forwardRetries.increment()
                let pause = min(
                    configuration.retryBackoffLimitMilliseconds,
                    configuration.retryBackoffMilliseconds << min(retry - 1, 16))
                guard deadline - .now() > .milliseconds(Int64(pause)) else {
                    return .failure(status: 503, reason: "no leader answered in time: \(lastProblem)")
                }
                try? await Task.sleep(for: .milliseconds(pause))
            }
            retry += 1
            let address: String
            do {
                address = try await routing.target()
            } catch {
                lastProblem = error.description
                continue
            }
            let left = deadline - .now()
            guard left > .nanoseconds(0) else {
                return .failure(status: 504, reason: "the realm did not answer in time")
            }
            switch await send(body, to: address, timeout: left) {
            case .answered(200, let reply, _):
                await routing.served(by: address)
                return .reply(reply)
            case .answered(421, _, let hint):
                logger.info("agent is not the leader", metadata: ["agent": "\(address)", "hint": "\(hint ?? "-")"])
                await routing.notLeader(address, hint: hint)
                lastProblem = "agent \(address) is not the leader"
            case .answered(503, let reason, _):
                return .failure(status: 503, reason: "the realm cannot serve now: " + Self.text(reason))
            case .answered(504, _, _):
                return .failure(status: 504, reason: "the realm did not answer in time")
            case .answered(let status, _, _):
                return .failure(status: 502, reason: "agent answered HTTP \(status)")
            case .notConnected(let why):
                logger.info("agent unreachable", metadata: ["agent": "\(address)", "error": "\(why)"])
                await routing.unreachable(address)
                lastProblem = "agent \(address) unreachable"
            case .lost(let why):
                logger.warning("forward lost after sending", metadata: ["agent": "\(address)", "error": "\(why)"])
                await routing.noAnswer(from: address)
                return .failure(
                    status: 504, reason: "the leader did not answer; the request may or may not have been served")
            }
        }
    }

    private enum Attempt {
        case answered(Int, [UInt8], String?)
        case notConnected(String)
        case lost(String)
    }

    private func send(_ body: [UInt8], to address: String, timeout: TimeAmount) async -> Attempt {
        var request = HTTPClientRequest(url: address + "/v1/vault")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let reply = try await response.body.collect(upTo: Self.maxReplyBytes)
            let hint = response.headers.first(name: Self.leaderHeader)
            return .answered(Int(response.status.code), Array(buffer: reply), hint)
        } catch {
            return Self.neverConnected(error) ? .notConnected("\(error)") : .lost("\(error)")
        }
    }

    /// True for errors that mean no connection was made, so the agent never saw the request.
    static func neverConnected(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        return false
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(200), as: UTF8.self).filter { !$0.isNewline }
    }
}
