import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// etcd's v3 JSON gateway (`POST /v3/...` on each member's client port, keys and values base64,
/// 64-bit numbers as strings) across a cluster's endpoints.
///
/// The HTTP client is swift-server's AsyncHTTPClient: maintained by the Swift Server Workgroup on
/// SwiftNIO, it pools keep-alive connections per endpoint (an append is one request on a warm
/// connection), takes a deadline per request, and is async. There is no maintained Swift etcd client;
/// gRPC would mean generating and keeping etcd's protobuf API here for six calls.
///
/// Fail-over: a request that cannot reach an endpoint (refused, reset, timed out) or that the member
/// answers with gRPC UNAVAILABLE (no leader, leader changed, request timed out) goes to the next
/// endpoint, round after round with a growing pause, until `retryWindow` has passed; then the store
/// is `.unavailable` with each endpoint's last answer. The endpoint that last answered is tried first.
final class EtcdGateway: Sendable {
    let endpoints: [EtcdEndpoint]
    /// The most one HTTP request may take (etcd itself gives up on a proposal after about 7 s).
    let requestTimeout: TimeAmount
    /// How long a call keeps trying other endpoints before it says the store is unavailable.
    let retryWindow: Duration
    private let preferred = Mutex(0)

    /// One client for the process, never shut down (like `HTTPClient.shared`). A connection that
    /// cannot be made fails the request at once (no retry of the same endpoint until the deadline,
    /// the client's default) and within 2 s at most, so the next endpoint is tried soon.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2))
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    init(endpoints: [EtcdEndpoint], requestTimeout: TimeAmount, retryWindow: Duration) {
        precondition(!endpoints.isEmpty, "an etcd store needs an endpoint")
        self.endpoints = endpoints
        self.requestTimeout = requestTimeout
        self.retryWindow = retryWindow
    }

    /// What one endpoint answered to one request.
    private enum Answer {
        case body([UInt8])
        /// etcd refused the request itself (a gRPC status other than UNAVAILABLE): not worth
        /// another endpoint.
        case refused(EtcdError)
        /// The endpoint could not serve it now: try another.
        case failed(String)
    }

    /// POSTs `body` (a JSON object) to `path` and decodes the answer as `Response`, failing over as
    /// described above. A refusal by etcd is thrown as `EtcdError` inside `.unavailable` unless
    /// the caller handles it through `call(_:_:refusal:)`.
    func call<Response: Decodable>(_ path: String, _ body: [String: Any], as _: Response.Type = Response.self) async throws(RealmStoreError) -> Response {
        switch try await callOrRefusal(path, body, as: Response.self) {
        case .success(let response): return response
        case .failure(let refusal): throw .unavailable("etcd refused \(path): \(refusal)")
        }
    }

    /// As `call`, but etcd's refusal (a gRPC status) is returned for the caller to judge.
    func callOrRefusal<Response: Decodable>(
        _ path: String, _ body: [String: Any], as _: Response.Type = Response.self
    ) async throws(RealmStoreError) -> Result<Response, EtcdError> {
        let json = try! JSONSerialization.data(withJSONObject: body)
        let deadline = ContinuousClock.now + retryWindow
        var pause = Duration.milliseconds(20)
        var lastFailures: [String] = []
        while true {
            let first = preferred.withLock { $0 }
            lastFailures = []
            for offset in 0..<endpoints.count {
                let which = (first + offset) % endpoints.count
                switch await post(endpoints[which], path, json) {
                case .body(let bytes):
                    preferred.withLock { $0 = which }
                    guard let response = try? JSONDecoder().decode(Response.self, from: Data(bytes)) else {
                        throw .unavailable("etcd \(endpoints[which]) answered \(path) with something other than its JSON: \(Self.excerpt(bytes))")
                    }
                    return .success(response)
                case .refused(let refusal):
                    preferred.withLock { $0 = which }
                    return .failure(refusal)
                case .failed(let why):
                    lastFailures.append("\(endpoints[which]): \(why)")
                }
            }
            guard ContinuousClock.now + pause < deadline, !Task.isCancelled else { break }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(500))
        }
        throw .unavailable("etcd: no endpoint served \(path) within \(retryWindow): \(lastFailures.joined(separator: "; "))")
    }

    private func post(_ endpoint: EtcdEndpoint, _ path: String, _ json: Data) async -> Answer {
        var request = HTTPClientRequest(url: endpoint.url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: json))
        let status: UInt
        let bytes: [UInt8]
        do {
            let response = try await Self.client.execute(request, timeout: requestTimeout)
            status = response.status.code
            bytes = Array(buffer: try await response.body.collect(upTo: 64 << 20))
        } catch {
            return .failed(String(describing: error))
        }
        if status == 200 { return .body(bytes) }
        guard let refusal = try? JSONDecoder().decode(EtcdError.self, from: Data(bytes)) else {
            return .failed("HTTP \(status): \(Self.excerpt(bytes))")
        }
        return refusal.isUnavailable ? .failed(refusal.description) : .refused(refusal)
    }

    private static func excerpt(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(200), as: UTF8.self)
    }
}

/// etcd's refusal of a request: a gRPC status code and its message.
struct EtcdError: Decodable, Error, CustomStringConvertible {
    let code: Int
    let message: String

    /// gRPC UNAVAILABLE (no leader, leader changed, timed out, stopping) or DEADLINE_EXCEEDED: another
    /// member, or the same a moment later, may serve it.
    var isUnavailable: Bool { code == 14 || code == 4 }
    /// gRPC NOT_FOUND: for the lease calls, the lease has expired or was revoked.
    var isNotFound: Bool { code == 5 }

    var description: String { "\(message) (gRPC status \(code))" }
}
