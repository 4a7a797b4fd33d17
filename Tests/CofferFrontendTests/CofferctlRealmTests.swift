import CofferCrypto
import CofferHost
import CofferRealmAccess
import CofferRealmStore
import Foundation
import Testing

/// The operator's and the client's realm commands, run as the built `cofferctl`: tokens from the key
/// files openssl writes, manifests verified and countersigned, plain HTTP refused off loopback.
@Suite struct CofferctlRealmTests {
    static var cofferctl: String {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return runner.deletingLastPathComponent().appendingPathComponent("cofferctl").path
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cofferctl)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["COFFER_TOKEN"] = nil
        environment["COFFER_MANIFEST"] = nil
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cofferctl-realm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(arguments: [
        ["ecparam", "-genkey", "-name", "prime256v1", "-noout"],
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ])
    func tokenIssueSignsWithAnOpenSSLKeyAndTheFrontEndsVerifierAcceptsIt(_ generate: [String]) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("auth.pem").path
        let publicKey = directory.appendingPathComponent("auth.pub.pem").path
        try FrontendTLSTests.openssl(generate + ["-out", key])
        try FrontendTLSTests.openssl(["ec", "-in", key, "-pubout", "-out", publicKey])
        let result = try Self.run([
            "token", "issue", "--auth-key", key, "--account", "alice", "--realm",
            TestRealm.realmHex, "--ttl", "120",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = try AccessToken(
            verifying: token, key: AuthKeyFile.publicKey(at: publicKey),
            realmHex: TestRealm.realmHex, now: TestRealm.now, leeway: 0)
        #expect(verified.account == "alice")
        #expect(verified.expires - TestRealm.now <= 120)
        // Another key's public half does not verify it.
        #expect(throws: AccessTokenError.badSignature) {
            try AccessToken(
                verifying: token, key: TestRealm.authKey.publicKey, realmHex: TestRealm.realmHex,
                now: TestRealm.now, leeway: 0)
        }
    }

    @Test func manifestVerifyAndCountersignAsTheWitness() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("manifest.json").path
        try Data(RealmClientTests.manifestFile().json()).write(to: URL(fileURLWithPath: manifest))
        let witnessKey = directory.appendingPathComponent("witness.pem").path
        let witnessPublic = directory.appendingPathComponent("witness.pub.pem").path
        try FrontendTLSTests.openssl(["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", witnessKey])
        try FrontendTLSTests.openssl(["ec", "-in", witnessKey, "-pubout", "-out", witnessPublic])

        #expect(try Self.run(["realm", "manifest", "verify", "--manifest", manifest]).status == 0)
        let unsigned = try Self.run([
            "realm", "manifest", "verify", "--manifest", manifest, "--witness-key", witnessPublic,
        ])
        #expect(unsigned.status == 1)
        #expect(unsigned.stderr.contains("no valid witness countersignature"))

        let countersigned = directory.appendingPathComponent("manifest.witnessed.json").path
        let signing = try Self.run([
            "realm", "countersign", "--manifest", manifest, "--key", witnessKey, "--role",
            "witness", "--out", countersigned,
        ])
        #expect(signing.status == 0, "\(signing.stderr)")
        #expect(
            try Self.run([
                "realm", "manifest", "verify", "--manifest", countersigned, "--witness-key",
                witnessPublic,
            ]).status == 0)
        // The witness's signature does not stand for the operator's.
        #expect(
            try Self.run([
                "realm", "manifest", "verify", "--manifest", countersigned, "--operator-key",
                witnessPublic,
            ]).status == 1)
        // --out is never overwritten.
        let again = try Self.run([
            "realm", "countersign", "--manifest", manifest, "--key", witnessKey, "--role",
            "witness", "--out", countersigned,
        ])
        #expect(again.status == 1)

        var tampered = try Data(contentsOf: URL(fileURLWithPath: manifest))
        // A hex digit of the first member signature changed.
        let text = String(decoding: tampered, as: UTF8.self)
        let signatureStart = text.range(of: #""memberSignatures":[""#)!.upperBound
        let digit = text[signatureStart]
        tampered = Data(
            text.replacingCharacters(in: signatureStart...signatureStart, with: digit == "0" ? "1" : "0").utf8)
        let bad = directory.appendingPathComponent("bad.json").path
        try tampered.write(to: URL(fileURLWithPath: bad))
        let refused = try Self.run(["realm", "manifest", "show", "--manifest", bad])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("member signatures do not verify"))
    }

    @Test func statusAndInfoThroughAFrontEnd() async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("manifest.json").path
        try Data(RealmClientTests.manifestFile().json()).write(to: URL(fileURLWithPath: manifest))
        let reply = RealmClientTests.getInfoReply(identity: RealmClientTests.members[2])
        let witness = try await WitnessAgent { _ in (200, reply, [:]) }
        let board = DiscoveryBoard()
        await board.set([
            ServiceRecord(kind: "agent", name: TestRealm.group + "/2", address: witness.url),
            ServiceRecord(kind: "leader", name: TestRealm.group, address: witness.url),
        ])
        let frontend = try await RunningFrontend(board: board, directory: directory)
        let url = frontend.url
        let token = TestRealm.token("alice")
        let (status, info, stranger) = try await onOwnThread {
            (
                try Self.run(["realm", "status", "--device", url]),
                try Self.run(["info", "--device", url, "--token", token, "--manifest", manifest]),
                try Self.run([
                    "info", "--device", url, "--token", TestRealm.token("alice", key: TestRealm.otherKey),
                    "--manifest", manifest,
                ])
            )
        }
        await board.set([])
        let empty = try await onOwnThread { try Self.run(["realm", "status", "--device", url]) }
        await frontend.stop()
        await witness.stop()
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains(#""leader":"\#(witness.url)""#))
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("a member of the pinned realm manifest"))
        #expect(stranger.status == 77)
        #expect(stranger.stderr.contains("HTTP 401"))
        #expect(empty.status == 69)
    }

    @Test func plainHTTPToAFrontEndOffLoopbackIsAUsageError() throws {
        let result = try Self.run(["info", "--device", "http://192.0.2.1:8080"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("loopback only"))
    }
}
