// coffer-fuzz TARGET [libFuzzer options] [corpus directories]   run libFuzzer on one fuzz target
// coffer-fuzz --list                                           the targets' names, one a line
// coffer-fuzz --write-seeds DIR                                write each target's seeds to DIR/<target>/
import CFuzzDriver
import CofferFuzzHarness
import Foundation

/// The target libFuzzer's callback runs; set once before libFuzzer starts.
nonisolated(unsafe) var selected = FuzzTarget.ctaphidDevice

func usage() -> Never {
    let names = FuzzTarget.allCases.map(\.name).joined(separator: "|")
    FileHandle.standardError.write(Data("usage: coffer-fuzz \(names) [libFuzzer options...]\n".utf8))
    FileHandle.standardError.write(Data("       coffer-fuzz --list | --write-seeds DIR\n".utf8))
    exit(64)
}

func writeSeeds(to directory: URL) throws {
    for target in FuzzTarget.allCases {
        let folder = directory.appendingPathComponent(target.name, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for seed in target.seeds {
            try Data(seed.bytes).write(to: folder.appendingPathComponent(seed.name))
        }
    }
}

var arguments = CommandLine.arguments
guard arguments.count >= 2 else { usage() }
switch arguments[1] {
case "--list":
    FuzzTarget.allCases.forEach { print($0.name) }
    exit(0)
case "--write-seeds":
    guard arguments.count == 3 else { usage() }
    try writeSeeds(to: URL(fileURLWithPath: arguments[2], isDirectory: true))
    exit(0)
default:
    guard let target = FuzzTarget(rawValue: arguments[1]) else { usage() }
    selected = target
}

// libFuzzer sees the program name and the options after the target's name, with the target's length
// limit unless one was given.
arguments.remove(at: 1)
if !arguments.contains(where: { $0.hasPrefix("-max_len=") }) {
    arguments.insert("-max_len=\(selected.maxInputLength)", at: 1)
}
var argv = arguments.map { strdup($0) } + [nil]
let status = coffer_fuzz_run_driver(Int32(arguments.count), &argv) { data, size in
    selected.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
exit(status)
