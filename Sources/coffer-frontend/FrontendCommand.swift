import ArgumentParser
import CofferCrypto
import CofferFrontend
import CofferRealmAccess
import CofferRealmStore
import Foundation
import Logging

/// `coffer-frontend`: the realm's HTTP(S) front door (the product's "ChatD").
@main
struct FrontendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer-frontend",
        abstract:
            "Serve a Coffer realm over HTTP(S): authenticate accounts, forward vault messages to the leader agent.",
        discussion: """
            POST /v1/vault with Authorization: Bearer <ES256 JWT signed by the operator's auth key>; the body is \
            the vault command byte and its payload, the reply the device's answer. GET /healthz, GET /metrics. \
            Exit status: 0 after SIGTERM/SIGINT, 64 usage, 66 an unreadable key or cert, 69 the store or socket \
            unavailable, 74 the ready file could not be written.
            """)

    @Option(
        help: ArgumentHelp("Address to listen on; port 0 lets the OS pick (see --ready-file).", valueName: "host:port"))
    var listen = "127.0.0.1:0"

    @Option(help: ArgumentHelp("Write {\"pid\",\"port\",\"url\"} here once listening.", valueName: "file"))
    var readyFile: String?

    @Option(help: ArgumentHelp("PEM certificate chain for HTTPS.", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Flag(help: "Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy only).")
    var insecureHTTP = false

    @Option(
        help: ArgumentHelp(
            "The operator's auth public key (PEM or raw SEC1): tokens must verify under it.",
            valueName: "file"))
    var authPublicKey: String

    @Option(help: ArgumentHelp("The realm id (32 hex digits): tokens must name it in aud.", valueName: "hex"))
    var realm: String

    @Option(
        help: ArgumentHelp(
            "The realm's store, for discovery: dir:PATH or etcd://HOST:PORT[,...].", valueName: "address"))
    var store: String

    @Option(help: ArgumentHelp("The group to route to (hex); default: the only one discovery lists.", valueName: "hex"))
    var group: String?

    @Option(help: ArgumentHelp("Requests an account may make at once (token bucket size).", valueName: "n"))
    var rateBurst = 20

    @Option(help: ArgumentHelp("Requests an account regains per second.", valueName: "r"))
    var ratePerSecond = 5.0

    @Option(help: ArgumentHelp("Largest request body in bytes.", valueName: "n"))
    var maxBody = 16 * 1024

    @Option(help: ArgumentHelp("Longest wait for a request body, in milliseconds (then 408).", valueName: "ms"))
    var bodyTimeout = 5_000

    @Option(
        help: ArgumentHelp(
            "Longest forward to the agents, retries included, in milliseconds (then 504).",
            valueName: "ms"))
    var forwardTimeout = 15_000

    @Option(help: ArgumentHelp("Requests served at once (more get 503).", valueName: "n"))
    var maxConcurrent = 256

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel = "info"

    func validate() throws {
        guard realmID != nil else { throw ValidationError("--realm must be 32 hex digits") }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("give --tls-cert and --tls-key together")
        }
        guard listenParts != nil else { throw ValidationError("--listen must be HOST:PORT (IPv6 as [ADDR]:PORT)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        // Checked before anything is opened: a token must not cross a network in clear by a slip of a flag.
        if tlsCert == nil, let (host, port) = listenParts,
            !FrontendListener(host: host, port: port, tls: nil).isLoopback, !insecureHTTP
        {
            throw ValidationError(
                """
                plain HTTP on \(host) is not loopback: give --tls-cert and --tls-key, or --insecure-http behind a \
                TLS-terminating proxy you trust
                """)
        }
        guard rateBurst >= 1, ratePerSecond > 0, maxBody >= 1, bodyTimeout >= 1, forwardTimeout >= 1, maxConcurrent >= 1
        else { throw ValidationError("rates, sizes, timeouts and limits must be positive") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "coffer-frontend")
        let key: ECDSAVerifyingKey
        do {
            key = try AuthKeyFile.publicKey(at: authPublicKey)
        } catch {
            logger.critical("cannot read the auth public key", metadata: ["error": "\(error)"])
            throw ExitCode(66)
        }
        let realmStore: any RealmStore
        do {
            realmStore = try await RealmStoreOpening.open(store)
        } catch {
            logger.critical("cannot open the store", metadata: ["error": "\(error)"])
            throw ExitCode(69)
        }
        var configuration = FrontendConfiguration(realmID: realmID!, authKey: key)
        configuration.rateBurst = rateBurst
        configuration.ratePerSecond = ratePerSecond
        configuration.maxBodyBytes = maxBody
        configuration.bodyTimeoutMilliseconds = bodyTimeout
        configuration.forwardDeadlineMilliseconds = forwardTimeout
        configuration.maxConcurrentRequests = maxConcurrent
        let service = FrontendService(
            configuration: configuration, routing: FrontendRouting(store: realmStore, group: group?.lowercased()),
            logger: logger)
        let (host, port) = listenParts!
        let listener = FrontendListener(
            host: host, port: port, tls: tlsCert.map { ($0, tlsKey!) }, insecureHTTP: insecureHTTP, readyFile: readyFile
        )
        do {
            try await FrontendServer.run(service, listener: listener, logger: logger)
        } catch let error as FrontendStartError {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(64)
        } catch {
            logger.critical("cannot serve", metadata: ["error": "\(error)"])
            throw ExitCode(69)
        }
    }

    var realmID: [UInt8]? {
        let digits = Array(realm.lowercased().utf8)
        guard digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 32, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }

    var listenParts: (String, Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
