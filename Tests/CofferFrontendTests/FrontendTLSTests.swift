import AsyncHTTPClient
import CTAPHID
import CofferFrontend
import CofferHost
import CofferFrontendLink
import CofferProtocol
import CofferRealmStore
import Foundation
import Logging
import NIOSSL
import Testing

/// HTTPS from a cert/key pair made in the test with the openssl CLI; a client that does not trust the
/// cert's CA is refused, one given the CA gets through; plain HTTP off loopback is refused.
@Suite struct FrontendTLSTests {
    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("openssl \(arguments.first ?? "") failed") }
    }

    @Test func httpsServesAClientThatTrustsTheCAAndRefusesOneThatDoesNot() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "frontend-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        let witness = try await WitnessAgent()
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/0", address: witness.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: witness.url),
        ])
        let frontend = try await RunningFrontend(board: board, tls: (cert, key), directory: directory)
        #expect(frontend.url.hasPrefix("https://127.0.0.1:"))

        var failFast = HTTPClient.Configuration()
        failFast.connectionPool.retryConnectionEstablishment = false
        let untrusting = HTTPClient(eventLoopGroupProvider: .singleton, configuration: failFast)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(cert)
        let trusting = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let message = TestRealm.loginStart(TestRealm.recordID("alice"))
        let headers = FrontendRefusalTests.bearer(TestRealm.token("alice"))
        await #expect(throws: (any Error).self) {
            _ = try await untrusting.post(frontend.url + "/v1/vault", body: message, headers: headers)
        }
        let answer = try await trusting.post(frontend.url + "/v1/vault", body: message, headers: headers)
        // cofferctl's link: refused without --ca-file, served with it.
        let token = TestRealm.token("alice")
        let url = frontend.url
        let links = try await onOwnThread { () -> (Result<[UInt8], DeviceError>, Result<[UInt8], DeviceError>) in
            let getInfo = CTAPHIDCommand(rawValue: 0x40)
            let payload = [CofferProtocolVersion.current]
            let without = Result { () throws(DeviceError) in
                try FrontendLink(base: url, token: token, caFile: nil).request(getInfo, payload: payload)
            }
            let with = Result { () throws(DeviceError) in
                try FrontendLink(base: url, token: token, caFile: cert).request(getInfo, payload: payload)
            }
            return (without, with)
        }
        try await untrusting.shutdown()
        try await trusting.shutdown()
        await frontend.stop()
        await witness.stop()
        #expect(answer.status == 200)
        guard case .failure(.unreachable(_, let reason)) = links.0 else {
            Issue.record("a link without the CA got through: \(links.0)")
            return
        }
        #expect(reason.contains("TLS handshake failed"))
        #expect(try links.1.get().starts(with: Array("ok:".utf8)))
        #expect(witness.requests.count == 2)
    }

    @Test func plainHTTPOffLoopbackIsRefusedUnlessAskedFor() async throws {
        let service = FrontendService(
            configuration: TestRealm.configuration(),
            routing: FrontendRouting(store: DiscoveryBoard(), group: nil),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        #expect(throws: FrontendStartError.self) {
            _ = try FrontendServer.application(
                service, listener: FrontendListener(host: "0.0.0.0", port: 0, tls: nil),
                logger: logger)
        }
        _ = try FrontendServer.application(
            service, listener: FrontendListener(host: "0.0.0.0", port: 0, tls: nil, insecureHTTP: true), logger: logger)
        _ = try FrontendServer.application(
            service, listener: FrontendListener(host: "127.0.0.1", port: 0, tls: nil),
            logger: logger)
        await service.shutdown()
    }
}
