// `coffer-agent`: the host agent beside one realm member (docs/PROTOCOL.md §12). It reaches its member
// through a member connection and the group's store through a RealmStore, both named by address; it
// serves the agents' HTTP API, registers in discovery, and leaves cleanly on SIGTERM or SIGINT
// (waiters answered, leases revoked, ready file removed).

import ArgumentParser
import AsyncHTTPClient
import CofferRealmAgent
import CofferRealmStore
import Dispatch
import Foundation
import Logging

@main
struct CofferAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer-agent",
        abstract: "Run the host agent of one realm member: lead, witness and take over over the group's store.",
        discussion: """
            The ready file (--ready-file) is written atomically once the agent listens and is registered: \
            {"pid":N,"port":N,"address":"http://HOST:PORT","member":N,"group":"HEX"}; it is removed on a \
            clean exit.
            """)

    @Option(help: ArgumentHelp("The member: embedded:DIR or udp://HOST:PORT.", valueName: "address"))
    var member: String

    @Option(help: ArgumentHelp("The group's store: dir:PATH or etcd://HOST:PORT[,...].", valueName: "address"))
    var store: String

    @Option(help: ArgumentHelp("HOST:PORT to listen on; port 0 lets the OS pick one.", valueName: "addr"))
    var listen: String = "127.0.0.1:0"

    @Option(help: ArgumentHelp("Write pid, port, address, member and group here as JSON once serving.", valueName: "file"))
    var readyFile: String?

    @Option(help: ArgumentHelp("The data center this member is in (shown in status).", valueName: "name"))
    var dataCenter: String = "dc1"

    @Option(help: ArgumentHelp("The group id (32 hex digits) the member must belong to.", valueName: "hex"))
    var realmGroup: String?

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be HOST:PORT, not \"\(listen)\".") }
        if let realmGroup, realmGroup.count != 32 || !realmGroup.allSatisfy(\.isHexDigit) {
            throw ValidationError("--realm-group must be 32 hex digits.")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "coffer.agent")
        let address = ListenAddress(listen)!
        let connection = try AgentBackends.openMember(member)
        let realmStore = try await AgentBackends.openStore(store)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let settings = RealmAgentSettings(host: address.host, port: address.port, dataCenter: dataCenter)
        let agent: RealmAgent
        do {
            agent = try await RealmAgent(
                connection: connection, store: realmStore, settings: settings, http: http, logger: logger)
        } catch {
            try? await http.shutdown()
            throw AgentCommandError("the member at \(member) does not answer as a realm member: \(error)")
        }
        if let realmGroup, agent.group.hex != realmGroup.lowercased() {
            try? await http.shutdown()
            throw AgentCommandError("the member belongs to group \(agent.group.hex), not \(realmGroup)")
        }
        let signals = ShutdownSignals()
        let server = try await RealmAgentServer.start(agent: agent, settings: settings, logger: logger)
        if let readyFile {
            try writeReady(readyFile, port: server.port, address: server.address, agent: agent)
        }
        logger.notice("agent of member \(agent.memberID) of group \(agent.group.hex) listening on \(server.address)")
        let signal = await signals.next()
        logger.notice("signal \(signal): stopping")
        await server.stop()
        if let readyFile { try? FileManager.default.removeItem(atPath: readyFile) }
        try? await http.shutdown()
    }

    func writeReady(_ path: String, port: Int, address: String, agent: RealmAgent) throws {
        let ready: [String: AnySendableJSON] = [
            "pid": .int(Int(ProcessInfo.processInfo.processIdentifier)), "port": .int(port),
            "address": .string(address), "member": .int(Int(agent.memberID)), "group": .string(agent.group.hex),
        ]
        let data = try JSONEncoder().encode(ready)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw AgentCommandError("cannot write the ready file \(temporary)")
        }
        // rename(2) puts it in place whole, whether or not an old one is there (replaceItemAt wants one).
        guard rename(temporary, path) == 0 else {
            throw AgentCommandError("cannot move the ready file into place at \(path) (errno \(errno))")
        }
    }
}

/// A JSON value of the ready file.
enum AnySendableJSON: Encodable {
    case int(Int)
    case string(String)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}

/// A failure the agent reports in words and exits non-zero for.
struct AgentCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `HOST:PORT` (an IPv6 host in brackets).
struct ListenAddress {
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}

/// SIGTERM and SIGINT as an async wait.
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init() {
        let (stream, sink) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { sink.yield(number) }
            source.resume()
            return source
        }
    }

    func next() async -> Int32 {
        for await signal in stream { return signal }
        return SIGTERM
    }
}
