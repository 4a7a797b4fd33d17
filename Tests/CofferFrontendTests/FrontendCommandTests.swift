import CofferFrontend
import Foundation
import Testing

/// The built `coffer-frontend` refuses what it must before it opens anything, and the rate limiter's
/// arithmetic holds with time as an input.
@Suite struct FrontendCommandTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let process = Process()
        process.executableURL = runner.deletingLastPathComponent().appendingPathComponent("coffer-frontend")
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    static let required = [
        "--auth-public-key", "/nonexistent", "--realm", TestRealm.realmHex, "--store", "dir:/nonexistent",
    ]

    @Test func plainHTTPOffLoopbackIsRefusedAsAUsageError() throws {
        let refused = try Self.run(Self.required + ["--listen", "0.0.0.0:0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("is not loopback"))
        let badRealm = try Self.run(["--auth-public-key", "k", "--realm", "abc", "--store", "dir:/x"])
        #expect(badRealm.status == 64)
        #expect(badRealm.stderr.contains("--realm must be 32 hex digits"))
    }

    @Test func anUnreadableAuthKeyExits66() throws {
        let result = try Self.run(Self.required)
        #expect(result.status == 66)
        #expect(result.stderr.contains("cannot read the auth public key"))
    }

    @Test func theRateLimiterRefillsAtItsRateAndNamesTheWait() {
        var limiter = AccountRateLimiter(burst: 2, perSecond: 0.5)
        #expect(limiter.take(account: "a", now: 0) == nil)
        #expect(limiter.take(account: "a", now: 0) == nil)
        #expect(limiter.take(account: "a", now: 0) == 2)
        #expect(limiter.take(account: "b", now: 0) == nil)
        #expect(limiter.take(account: "a", now: 1) == 1)
        #expect(limiter.take(account: "a", now: 2) == nil)
        #expect(limiter.take(account: "a", now: 2) != nil)
    }
}
