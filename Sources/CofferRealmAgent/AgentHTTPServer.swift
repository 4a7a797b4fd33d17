// The agent's HTTP side (docs/PROTOCOL.md, "Realm agents (HTTP)"), on Hummingbird:
//   POST /v1/vault    channel (u32 BE) ‖ vault command (u8) ‖ payload → the vault reply bytes, exactly as
//                     a device answers; 421 + Coffer-Leader when another agent leads; 503 when no
//                     majority answers (nothing released); 504 on timeout; 400/413 for a bad body.
//   POST /v1/capture  index (u64 BE) ‖ entry hash (32) → the member's statement (73 bytes); 409 when it
//                     has none for that entry.
//   GET  /v1/status   JSON (AgentStatus).

import CofferFirmware
import CofferProtocol
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Header naming the leader's agent in a 421 answer.
public let leaderHeader = HTTPFields.Element.Name("Coffer-Leader")!

/// An agent's HTTP server, listening, with the agent's loops running.
public final class RealmAgentServer: Sendable {
    public let agent: RealmAgent
    /// The port the server listens on (the OS's choice for port 0).
    public let port: Int
    /// `http://host:port`.
    public let address: String
    /// The server runs in a service group so that it stops by a graceful shutdown (cancelling a
    /// NIO server task can leave an accepted connection unfinished, which traps).
    private let services: ServiceGroup
    private let task: Task<Void, Never>

    private init(agent: RealmAgent, port: Int, address: String, services: ServiceGroup, task: Task<Void, Never>) {
        self.agent = agent
        self.port = port
        self.address = address
        self.services = services
        self.task = task
    }

    /// Listens on `settings.host:settings.port`, then starts the agent (discovery, loops).
    public static func start(agent: RealmAgent, settings: RealmAgentSettings, logger: Logger) async throws
        -> RealmAgentServer
    {
        let router = Router()
        addRoutes(to: router, agent: agent)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname(settings.host, port: settings.port)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
            }, logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do {
                try await services.run()
            } catch {
                logger.error("agent HTTP server stopped: \(error)")
            }
            portSink.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            throw AgentServerError.notListening("\(settings.host):\(settings.port)")
        }
        let address = "http://\(settings.host):\(port)"
        try await agent.start(address: address)
        return RealmAgentServer(agent: agent, port: port, address: address, services: services, task: task)
    }

    /// Stops the agent (waiters answered, leases revoked) and then the server.
    public func stop() async {
        await agent.stop()
        await services.triggerGracefulShutdown()
        await task.value
    }

    static func addRoutes(to router: Router<BasicRequestContext>, agent: RealmAgent) {
        router.post("/v1/vault") { request, _ -> Response in
            let limit = 4 + 1 + RealmLinkLimits.maxVaultPayloadLength
            guard let buffer = try? await request.body.collect(upTo: limit) else {
                return text(.contentTooLarge, "a vault message is at most \(limit) bytes")
            }
            let body = Array(buffer: buffer)
            guard body.count >= 5 else { return text(.badRequest, "body: channel (4) ‖ command (1) ‖ payload") }
            let channel = body[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let vault: VaultRequest
            do {
                vault = try VaultRequest(command: body[4], payload: Array(body[5...]))
            } catch {
                return text(.badRequest, "not a vault request: \(error)")
            }
            switch await agent.submit(channel: channel, request: vault) {
            case .reply(let bytes):
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case .notLeader(let leader):
                var response = text(.misdirectedRequest, "this agent does not lead the group")
                if let leader { response.headers[leaderHeader] = leader }
                return response
            case .unavailable(let reason):
                return text(.serviceUnavailable, reason)
            case .timeout:
                return text(.gatewayTimeout, "no reply within the agent's request timeout")
            }
        }
        router.post("/v1/capture") { request, _ -> Response in
            guard let buffer = try? await request.body.collect(upTo: 64),
                let (index, hash) = parseCaptureBody(Array(buffer: buffer))
            else { return text(.badRequest, "body: index (u64) ‖ entry hash (32)") }
            switch await agent.witness(index: index, entryHash: hash) {
            case .statement(let statement):
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream"],
                    body: .init(byteBuffer: ByteBuffer(bytes: statement.encoded())))
            case .refused(let reason):
                return text(.conflict, reason)
            }
        }
        router.get("/v1/status") { _, _ -> Response in
            let status = await agent.status()
            let json = (try? JSONEncoder().encode(status)) ?? Data()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: Array(json))))
        }
    }
}

/// Why the server did not start.
public enum AgentServerError: Error, CustomStringConvertible {
    case notListening(String)

    public var description: String {
        switch self {
        case .notListening(let address): "the agent could not listen on \(address)"
        }
    }
}

/// A plain-text answer.
func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
    Response(
        status: status, headers: [.contentType: "text/plain; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
}
