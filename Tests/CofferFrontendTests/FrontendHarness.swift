import AsyncHTTPClient
import CofferCrypto
import CofferFrontend
import CofferProtocol
import CofferRealmAccess
import CofferRealmStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The realm of these tests and the operator's auth key (seeded, so every run is the same).
enum TestRealm {
    static let realmID: [UInt8] = Array(0x10..<0x20)
    static let realmHex = realmID.map { String(format: "%02x", $0) }.joined()
    static let authKey = try! ECDSASigningKey(scalar: Array(repeating: 0x42, count: 31) + [0x07])
    static let otherKey = try! ECDSASigningKey(scalar: Array(repeating: 0x24, count: 31) + [0x09])
    static let group = String(repeating: "ab", count: 16)

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    static func token(
        _ account: String, key: ECDSASigningKey = authKey, realm: String = realmHex,
        from start: Int64 = now, lifetime: Int64 = 300
    ) -> String {
        try! AccessToken.issue(account: account, realmHex: realm, now: start, lifetime: lifetime, key: key)
    }

    static func recordID(_ account: String) -> [UInt8] { AccountRecordID.derive(realmID: realmID, account: account) }

    /// A LoginStart for `id` as a client sends it to the front-end: command byte, then payload.
    static func loginStart(_ id: [UInt8]) -> [UInt8] {
        let request = VaultRequest.loginStart(LoginStartRequest(credentialID: id, ke1: Array(repeating: 7, count: 96)))
        return [request.operation.rawValue] + request.encodedPayload()
    }

    static func configuration() -> FrontendConfiguration {
        var configuration = FrontendConfiguration(realmID: realmID, authKey: authKey.publicKey)
        configuration.forwardDeadlineMilliseconds = 5_000
        configuration.bodyTimeoutMilliseconds = 500
        return configuration
    }
}

/// Discovery as the store holds it, for these tests: the records agents register, nothing else. The
/// store's log and blobs play no part in routing; the real backends replace this at integration.
actor DiscoveryBoard: RealmStore {
    private var records: [ServiceRecord] = []

    func set(_ records: [ServiceRecord]) { self.records = records }

    nonisolated func append(group: RealmGroupName, index: UInt64, entry: [UInt8]) async throws(RealmStoreError) -> Bool
    {
        throw .unavailable("routing reads discovery only")
    }
    nonisolated func read(group: RealmGroupName, from index: UInt64, limit: Int) async throws(RealmStoreError)
        -> [StoredEntry]
    { throw .unavailable("routing reads discovery only") }
    nonisolated func lastIndex(group: RealmGroupName) async throws(RealmStoreError) -> UInt64 {
        throw .unavailable("routing reads discovery only")
    }
    nonisolated func putBlob(name: [UInt8], bytes: [UInt8]) async throws(RealmStoreError) {
        throw .unavailable("routing reads discovery only")
    }
    nonisolated func getBlob(name: [UInt8]) async throws(RealmStoreError) -> [UInt8]? {
        throw .unavailable("routing reads discovery only")
    }
    nonisolated func deleteBlobs(names: [[UInt8]]) async throws(RealmStoreError) {
        throw .unavailable("routing reads discovery only")
    }
    nonisolated func register(_ record: ServiceRecord, ttlSeconds: Int) async throws(RealmStoreError)
        -> any ServiceLease
    { throw .unavailable("routing reads discovery only") }
    func services(kind: String) async throws(RealmStoreError) -> [ServiceRecord] {
        records.filter { $0.kind == kind }
    }
}

/// A real HTTP listener standing where an agent would, recording every request it gets: the witness
/// of what the front-end forwarded (a test instrument, not a stand-in for the agent).
final class WitnessAgent: Sendable {
    /// How the witness answers: status, body, extra headers.
    typealias Answer = @Sendable ([UInt8]) -> (Int, [UInt8], [String: String])

    let log: RequestLog
    let url: String
    private let task: Task<Void, any Error>

    var requests: [[UInt8]] { log.entries.withLock { $0 } }

    /// Starts on 127.0.0.1 with an OS-chosen port; `answer` decides each reply (default: 200 "ok:" ‖ body).
    init(answer: @escaping Answer = { (200, Array("ok:".utf8) + $0, [:]) }) async throws {
        let log = RequestLog()
        self.log = log
        let router = Router()
        router.post("/v1/vault") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            log.entries.withLock { $0.append(body) }
            let (status, reply, headers) = answer(body)
            var fields = HTTPFields()
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            return Response(
                status: .init(code: status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "witness-agent", factory: { _ in SwiftLogNoOpLogHandler() }))
        task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("the witness agent did not start") }
        url = "http://127.0.0.1:\(port)"
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Keeps every log line (message and metadata, as text) a logger writes, to check what logs hold.
struct CapturingLogHandler: LogHandler {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let fields = self.metadata.merging(metadata ?? [:]) { $1 }.map { "\($0.key)=\($0.value)" }.sorted()
        lines.all.withLock { $0.append("\(level) \(message) \(fields.joined(separator: " "))") }
    }
}

/// Every request body a witness got, in order.
final class RequestLog: Sendable {
    let entries = Mutex<[[UInt8]]>([])
}

/// Runs blocking work (a `VaultClient` waits on its HTTP client) on a thread of its own, off the
/// cooperative pool that serves the front-end and the witness in this same process.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// A front-end in this process on real sockets, its port read from its ready file.
final class RunningFrontend: Sendable {
    let url: String
    let service: FrontendService
    private let task: Task<Void, any Error>

    init(
        configuration: FrontendConfiguration = TestRealm.configuration(), board: DiscoveryBoard,
        tls: (String, String)? = nil, directory: URL,
        logger: Logger = Logger(label: "coffer-frontend-test", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws {
        service = FrontendService(
            configuration: configuration, routing: FrontendRouting(store: board, group: nil),
            logger: logger)
        let readyFile = directory.appendingPathComponent("frontend-ready-\(UUID().uuidString).json").path
        let app = try FrontendServer.application(
            service, listener: FrontendListener(host: "127.0.0.1", port: 0, tls: tls, readyFile: readyFile),
            logger: logger)
        task = Task { try await app.run() }
        url = try await Self.waitForReady(readyFile)
    }

    /// Polls the ready file until it holds the URL, for at most 30 s.
    static func waitForReady(_ path: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let url = object["url"] as? String
            {
                return url
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessError("no ready file at \(path) within 30 s")
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        await service.shutdown()
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One HTTP exchange's outcome as a test reads it.
struct Answer {
    let status: Int
    let body: [UInt8]
    let headers: [String: String]
    var text: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPClient {
    /// POSTs `body` to `url` with these headers and collects the answer.
    func post(_ url: String, body: [UInt8], headers: [String: String] = [:]) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await answer(request)
    }

    func get(_ url: String) async throws -> Answer {
        try await answer(HTTPClientRequest(url: url))
    }

    private func answer(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), body: Array(buffer: body), headers: headers)
    }
}
