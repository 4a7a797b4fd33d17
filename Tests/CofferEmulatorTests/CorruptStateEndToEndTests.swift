import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// A corrupt, truncated or foreign state file stops `serve` with a message naming the file and
/// what is wrong, and the file is left exactly as it was.
@Suite struct CorruptStateEndToEndTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }

    enum Damage: String, CaseIterable, Sendable {
        case fusesBitFlip, fusesTruncated, countersForeign, countersBothPagesTorn, flashTruncated, flashMissing

        var file: String {
            switch self {
            case .fusesBitFlip, .fusesTruncated: "fuses"
            case .countersForeign, .countersBothPagesTorn: "counters"
            case .flashTruncated, .flashMissing: "flash.img"
            }
        }

        var complaint: String {
            switch self {
            case .fusesBitFlip: "bad checksum"
            case .fusesTruncated: "wrong size: 55 bytes"
            case .countersForeign: "bad magic"
            case .countersBothPagesTorn: "both counter pages invalid"
            case .flashTruncated: "wrong size"
            case .flashMissing: "missing"
            }
        }

        func apply(to bytes: [UInt8]) -> [UInt8]? {
            var damaged = bytes
            switch self {
            case .fusesBitFlip: damaged[20] ^= 0x10
            case .fusesTruncated: damaged.removeLast()
            case .countersForeign: damaged = [UInt8](repeating: 0xFF, count: bytes.count)
            case .countersBothPagesTorn:
                damaged[30] ^= 1
                damaged[bytes.count / 2 + 30] ^= 1
            case .flashTruncated: damaged.removeLast(512)
            case .flashMissing: return nil
            }
            return damaged
        }
    }

    @Test(arguments: Damage.allCases)
    func damagedStateFileIsRefusedNamingItAndLeftAlone(damage: Damage) throws {
        let made = try EmulatorProcess.run(["init", "--state-dir", stateDir, "--seed", "01", "--slots", "2"])
        try #require(made.status == 0)
        let name = "state/" + damage.file
        if let damaged = damage.apply(to: try workspace.bytes(name)) {
            try workspace.write(name, damaged)
        } else {
            try workspace.remove(name)
        }
        let before = try? workspace.bytes(name)

        let run = try EmulatorProcess.run(["--state-dir", stateDir, "--port", "0"])
        #expect(run.status == EmulatorExitStatus.stateRefused)
        #expect(run.stderr.contains("\(stateDir)/\(damage.file): "))
        #expect(run.stderr.contains(damage.complaint))
        #expect((try? workspace.bytes(name)) == before)
        #expect(!run.stderr.contains("creating one"))
    }
}
