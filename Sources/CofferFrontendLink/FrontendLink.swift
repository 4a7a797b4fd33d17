import AsyncHTTPClient
import CTAPHID
import CofferHost
import NIOCore
import NIOHTTP1
import NIOSSL

/// Vault messages to a realm through its front-end: `POST {base}/v1/vault` with the account's bearer
/// token; the body is the vendor command byte and its payload, the answer the device's reply bytes.
///
/// Over HTTPS the front-end's certificate must chain to the system's roots, or to `caFile` when given;
/// plain HTTP is for loopback only (`DeviceAddress` refuses anything else).
public final class FrontendLink: VaultTransport {
    /// The longest a request may take: a realm commits before it answers.
    public static let defaultTimeoutSeconds: Int64 = 60

    public let deviceName: String
    private let base: String
    private let token: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// A link to the front-end at `base` (`https://HOST[:PORT]`), presenting `token`.
    public init(
        base: String, token: String, caFile: String?, timeoutSeconds: Int64 = FrontendLink.defaultTimeoutSeconds
    )
        throws(DeviceError)
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw .unreachable(device: base, reason: "cannot read the CA file \(caFile): \(error)")
            }
        }
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        deviceName = self.base
        self.token = token
        timeout = .seconds(timeoutSeconds)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        // A refused connection or an untrusted certificate is reported at once, not retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        try? client.syncShutdown()
    }

    public func request(_ command: CTAPHIDCommand, payload: [UInt8]) throws(DeviceError) -> [UInt8] {
        let response: HTTPClient.Response
        do {
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer " + token)
            headers.add(name: "Content-Type", value: "application/octet-stream")
            let request = try HTTPClient.Request(
                url: base + "/v1/vault", method: .POST, headers: headers,
                body: .bytes([command.rawValue] + payload))
            response = try client.execute(request: request, deadline: .now() + timeout).wait()
        } catch {
            throw .unreachable(device: deviceName, reason: FrontendLink.describe(error))
        }
        let body = response.body.map { Array(buffer: $0) } ?? []
        guard response.status == .ok else {
            let reason = String(decoding: body.prefix(300), as: UTF8.self).filter { !$0.isNewline }
            throw .frontendRefused(device: deviceName, status: Int(response.status.code), reason: reason)
        }
        return body
    }

    /// The front-end's `/healthz` answer: its HTTP status and JSON body (no token needed).
    public func health() throws(DeviceError) -> (status: Int, body: [UInt8]) {
        do {
            let request = try HTTPClient.Request(url: base + "/healthz", method: .GET)
            let response = try client.execute(request: request, deadline: .now() + timeout).wait()
            return (Int(response.status.code), response.body.map { Array(buffer: $0) } ?? [])
        } catch {
            throw .unreachable(device: deviceName, reason: FrontendLink.describe(error))
        }
    }

    /// A transport error in words; a certificate the client does not trust is said plainly.
    static func describe(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError, case .handshakeFailed = ssl {
            return
                "TLS handshake failed (is the front-end's certificate signed by a CA you trust? see --ca-file): \(ssl)"
        }
        return "\(error)"
    }
}
