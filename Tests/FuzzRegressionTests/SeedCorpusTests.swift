import CofferFuzzHarness
import Foundation
import Testing

/// The seed files under `Fuzz/corpus/` are what the seed generator makes today, so that the fuzzers
/// start from inputs the current code produces and accepts (a stale `firmware-reports` seed, say,
/// carries a KE3 the chip no longer accepts and stops short of the login it was made for).
///
/// To rewrite them: `COFFER_WRITE_SEEDS=1 swift test --filter SeedCorpusTests`, or `scripts/fuzz.sh --seeds`.
@Suite struct SeedCorpusTests {
    static let rewrite = ProcessInfo.processInfo.environment["COFFER_WRITE_SEEDS"] == "1"

    @Test(arguments: FuzzTarget.allCases)
    func seedFilesMatchTheGenerator(target: FuzzTarget) throws {
        let directory = FuzzInputs.corpusDirectory(target)
        if Self.rewrite {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for seed in target.seeds {
                try Data(seed.bytes).write(to: directory.appendingPathComponent(seed.name))
            }
        }
        let kept = Dictionary(try FuzzInputs.files(in: directory).map { ($0.name, $0.bytes) },
                              uniquingKeysWith: { first, _ in first })
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds {
            // A Bool, so that a failure names the file instead of printing kilobytes of both versions.
            let isCurrent = kept[seed.name] == seed.bytes
            #expect(isCurrent, """
                Fuzz/corpus/\(target.name)/\(seed.name) is stale or missing: \
                run COFFER_WRITE_SEEDS=1 swift test --filter SeedCorpusTests
                """)
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedNamesAreDistinct(target: FuzzTarget) {
        #expect(Set(target.seeds.map(\.name)).count == target.seeds.count)
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedsFitTheFuzzersLengthLimit(target: FuzzTarget) {
        for seed in target.seeds {
            #expect(seed.bytes.count <= target.maxInputLength, "\(seed.name) is longer than -max_len")
        }
    }
}
