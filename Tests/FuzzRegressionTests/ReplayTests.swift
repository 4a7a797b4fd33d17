import CofferFuzzHarness
import Foundation
import Testing

/// Every input kept for a fuzz target runs cleanly: the seeds and kept corpus, and each crasher a
/// fuzzer ever found. Each input runs in a child process (an exit test), so that one that crashes
/// fails the test with its file named instead of ending the whole test run.
@Suite struct ReplayTests {
    @Test(arguments: FuzzTarget.allCases)
    func corpusRunsCleanly(target: FuzzTarget) async throws {
        let directory = FuzzInputs.corpusDirectory(target)
        let inputs = try FuzzInputs.files(in: directory)
        #expect(!inputs.isEmpty, "no corpus for \(target.name): Fuzz/corpus/\(target.name) is empty")
        for input in inputs {
            await expectCleanRun(target, input.bytes, "Fuzz/corpus/\(target.name)/\(input.name) crashes")
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func regressionsRunCleanly(target: FuzzTarget) async throws {
        for input in try FuzzInputs.files(in: FuzzInputs.regressionDirectory(target)) {
            await expectCleanRun(target, input.bytes, "Fuzz/regressions/\(target.name)/\(input.name) still crashes")
        }
    }

    private func expectCleanRun(_ target: FuzzTarget, _ input: [UInt8], _ failure: Comment) async {
        let name = target.name
        await #expect(processExitsWith: .success, failure) { [name = name as String, input = input as [UInt8]] in
            FuzzTarget(rawValue: name)?.run(input)
        }
    }
}
