import Foundation

/// SplitMix64: seeded, so every differential run is reproducible from its printed seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// How many random cases a differential test runs: `base` times `$COFFER_PURE_DIFF_SCALE` (default 1).
func caseCount(_ base: Int) -> Int {
    base * max(1, Int(ProcessInfo.processInfo.environment["COFFER_PURE_DIFF_SCALE"] ?? "1") ?? 1)
}

/// Paths this target reads: the shared vectors beside the repository, the executables beside the bundle.
enum Paths {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// `../shared/vectors` (DESIGN.md), or `$COFFER_VECTORS_DIR`.
    static var vectors: URL {
        if let directory = ProcessInfo.processInfo.environment["COFFER_VECTORS_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }

    static var buildDirectory: URL {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        return directory
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
