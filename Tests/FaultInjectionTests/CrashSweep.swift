import Foundation

/// Cuts the power at every durable write of each command in turn: N = 1, 2, ... until a run makes
/// fewer writes than N (the command finished with the power on), so K, the command's write count,
/// is found by counting rather than written down. Every point, and the uncut run, is checked.
struct CrashSweep {
    /// One command's figures.
    struct Line {
        let command: WriteCommand
        /// The command's durable writes (K): the points are N = 1 ... K.
        var writes = 0
        var violations: [String] = []
        /// The writes the bench counted in the final, uncut run (in-process benches count them).
        var uncutWrites: Int?
    }

    /// A bound on K, so a command that never finishes cannot loop for ever.
    static let maximumWrites = 64

    let bench: any PowerCutBench

    /// Runs the sweep over `commands`; a line per command.
    func run(_ commands: [WriteCommand]) throws -> [Line] {
        try commands.map(sweep)
    }

    private func sweep(_ command: WriteCommand) throws -> Line {
        var line = Line(command: command)
        var cut = 1
        while true {
            let run = try bench.point(command, cutAt: cut)
            let violations = PointCheck.violations(command, run)
            run.finish()
            line.violations += violations.map { "\(command) cut at write \(cut): \($0)" }
            if !run.powerWasCut {
                line.writes = cut - 1
                line.uncutWrites = run.writes
                return line
            }
            cut += 1
            guard cut <= Self.maximumWrites else {
                line.violations.append("\(command) still writing after \(Self.maximumWrites) writes")
                return line
            }
        }
    }

    /// The table the sweep prints: the points covered per command and the violations.
    static func report(_ lines: [Line], bench: String, seconds: Double) -> String {
        var text = ["power-cut sweep on \(bench):"]
        for line in lines {
            let name = line.command.rawValue
            text.append("  \(name): writes 1...\(line.writes) cut, \(line.violations.count) violations")
        }
        let points = lines.reduce(0) { $0 + $1.writes }
        let violations = lines.flatMap(\.violations)
        text.append("  \(points) points covered in \(String(format: "%.1f", seconds)) s")
        text += violations.map { "  violation: \($0)" }
        text.append("\(violations.count) violations")
        return text.joined(separator: "\n")
    }
}
