import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// Where and how the front-end listens.
public struct FrontendListener: Sendable {
    /// Host to bind (an IP literal or a name).
    public var host: String
    /// Port; 0 lets the OS pick one (published in the ready file).
    public var port: Int
    /// PEM certificate chain and key for HTTPS; nil for plain HTTP (loopback only, unless `insecureHTTP`).
    public var tls: (certificateFile: String, keyFile: String)?
    /// Plain HTTP on a non-loopback address, which the operator asked for knowingly.
    public var insecureHTTP = false
    /// Where to write `{"pid":..,"port":..,"url":..}` once the socket is bound.
    public var readyFile: String?

    public init(
        host: String, port: Int, tls: (certificateFile: String, keyFile: String)?, insecureHTTP: Bool = false,
        readyFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.insecureHTTP = insecureHTTP
        self.readyFile = readyFile
    }

    /// Whether `host` names this machine's loopback only.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// Why the front-end will not start.
public struct FrontendStartError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs a `FrontendService` on Hummingbird until SIGTERM or SIGINT, then shuts down gracefully.
public enum FrontendServer {
    /// Serves `service` as `listener` says. Refuses plain HTTP on a non-loopback address unless
    /// `insecureHTTP` (then warns): tokens would cross the network in clear.
    public static func run(_ service: FrontendService, listener: FrontendListener, logger: Logger) async throws {
        let app = try application(service, listener: listener, logger: logger)
        try await app.runService()
        await service.shutdown()
    }

    /// The application serving `service` as `listener` says, not yet running (tests run it in a task and
    /// cancel it; `run` adds the signal handling).
    public static func application(_ service: FrontendService, listener: FrontendListener, logger: Logger) throws
        -> some ApplicationProtocol
    {
        let configuration = service.configuration
        // Idle connections (a client stalled inside its headers included) are closed after this long;
        // a request being served is bounded by the body timeout and the forward deadline. The extra
        // second lets a 408 or 504 be written before the connection is closed under it.
        let idle = TimeAmount.milliseconds(
            Int64(configuration.bodyTimeoutMilliseconds + configuration.forwardDeadlineMilliseconds + 1_000))
        let http = HTTPServerBuilder.http1(configuration: .init(idleTimeout: idle))
        let server: HTTPServerBuilder
        let scheme: String
        if let tls = listener.tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
            server = try .tls(
                http,
                tlsConfiguration: .makeServerConfiguration(
                    certificateChain: chain,
                    privateKey: .privateKey(key)))
            scheme = "https"
        } else {
            guard listener.isLoopback || listener.insecureHTTP else {
                throw FrontendStartError(
                    description: """
                        refusing plain HTTP on \(listener.host), which is not loopback: give --tls-cert and --tls-key \
                        (or --insecure-http behind a TLS-terminating proxy you trust)
                        """)
            }
            if !listener.isLoopback {
                logger.warning("serving plain HTTP on a non-loopback address: tokens cross the network in clear")
            }
            server = http
            scheme = "http"
        }
        let readyFile = listener.readyFile
        let host = listener.host
        return Application(
            router: service.router(), server: server,
            configuration: .init(address: .hostname(host, port: listener.port), serverName: "coffer-frontend"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
                let url = "\(scheme)://\(shownHost):\(port)"
                logger.info("front-end ready", metadata: ["url": "\(url)"])
                if let readyFile { writeReady(to: readyFile, port: port, url: url, logger: logger) }
            },
            logger: logger)
    }

    /// `{"pid":..,"port":..,"url":..}` written atomically (temporary file, then rename).
    static func writeReady(to path: String, port: Int, url: String, logger: Logger) {
        let json = "{\"pid\":\(getpid()),\"port\":\(port),\"url\":\"\(url)\"}\n"
        let temporary = path + ".tmp"
        do {
            try Data(json.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw FrontendStartError(description: "rename failed") }
        } catch {
            logger.critical("cannot write the ready file", metadata: ["path": "\(path)", "error": "\(error)"])
            // Whoever waits on the file would wait for ever: stop now, nothing has been served yet.
            exit(74)
        }
    }
}
