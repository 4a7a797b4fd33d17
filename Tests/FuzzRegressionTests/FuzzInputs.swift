import CofferFuzzHarness
import Foundation

/// The inputs kept in the repository for a fuzz target, read from `Fuzz/` beside this package.
enum FuzzInputs {
    /// The package root: three levels above this file (Tests/FuzzRegressionTests/FuzzInputs.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `Fuzz/corpus/<target>/`: seeds and inputs worth keeping, which must all run cleanly.
    static func corpusDirectory(_ target: FuzzTarget) -> URL {
        root.appendingPathComponent("Fuzz/corpus/\(target.name)", isDirectory: true)
    }

    /// `Fuzz/regressions/<target>/`: every input a fuzzer ever crashed with.
    static func regressionDirectory(_ target: FuzzTarget) -> URL {
        root.appendingPathComponent("Fuzz/regressions/\(target.name)", isDirectory: true)
    }

    /// The files in `directory` by name, sorted; none if it does not exist.
    static func files(in directory: URL) throws -> [(name: String, bytes: [UInt8])] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }
}
