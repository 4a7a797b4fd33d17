import CofferFuzzHarness
import Foundation
import Testing

/// The seed files under `Fuzz/corpus/` are what the seed generator makes today, so that the fuzzers
/// start from inputs the current encoders produce. `scripts/fuzz.sh --seeds` rewrites them.
@Suite struct SeedCorpusTests {
    @Test(arguments: FuzzTarget.allCases)
    func seedFilesMatchTheGenerator(target: FuzzTarget) throws {
        let kept = Dictionary(try FuzzInputs.files(in: FuzzInputs.corpusDirectory(target)).map { ($0.name, $0.bytes) },
                              uniquingKeysWith: { first, _ in first })
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds {
            #expect(kept[seed.name] == seed.bytes,
                    "Fuzz/corpus/\(target.name)/\(seed.name) is stale or missing: run scripts/fuzz.sh --seeds")
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
