import Foundation
import Testing

/// The ctgrind check: each operation of coffer-ctgrind runs under valgrind's memcheck with its secret
/// bytes marked undefined, so any branch or memory index computed from the secret is an error. The
/// engine's operations must report none; the deliberately leaky control must report some, or the check
/// itself is broken.
@Suite("Constant time under valgrind (ctgrind)")
struct ConstantTimeTests {
    struct Run {
        let status: Int32
        let errors: Int?
        let output: String
    }

    static var valgrind: String? {
        ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ operation: String) throws -> Run {
        let process = Process()
        let valgrind = try #require(Self.valgrind, "valgrind is not installed (scripts/bootstrap.sh test)")
        process.executableURL = URL(fileURLWithPath: valgrind)
        // --error-exitcode makes any error of the whole process fail it; the program also prints the
        // errors counted during the operation alone.
        process.arguments = ["-q", "--error-exitcode=99", "--track-origins=no",
                             Paths.buildDirectory.appendingPathComponent("coffer-ctgrind").path, operation]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        let errors = output.split(separator: " ").first { $0.hasPrefix("errors=") }.flatMap { Int($0.dropFirst(7)) }
        return Run(status: process.terminationStatus, errors: errors, output: output)
    }

    @Test("secret-handling operations show no secret-dependent branch or index",
          arguments: ["scalar-mult", "generator-mult", "aes", "aes-gcm", "hash-to-curve", "hkdf", "aes-kwp", "ecdsa-sign"])
    func constantTime(operation: String) throws {
        let run = try Self.run(operation)
        #expect(run.status == 0, "\(operation): \(run.output)")
        #expect(run.errors == 0, "\(operation): \(run.output)")
    }

    @Test("the leaky control is flagged, so the check can fail")
    func negativeControl() throws {
        let run = try Self.run("branchy")
        #expect(run.status == 99, "\(run.output)")
        #expect((run.errors ?? 0) > 0, "\(run.output)")
        #expect(run.output.contains("Conditional jump or move depends on uninitialised value"))
    }
}
