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
        /// Points where the restart after a cut was cut again at one of its own writes.
        var bootPoints = 0
        /// The writes the bench counted in the final, uncut run (in-process benches count them).
        var uncutWrites: Int?
    }

    /// A bound on K, so a command that never finishes cannot loop for ever.
    static let maximumWrites = 2048

    let bench: any PowerCutBench

    /// Runs the sweep over `commands`; a line per command.
    func run(_ commands: [WriteCommand]) throws -> [Line] {
        try commands.map(sweep)
    }

    private func sweep(_ command: WriteCommand) throws -> Line {
        var line = Line(command: command)
        var cut = 1
        while true {
            // Each cut is also followed by cuts at the restart's own writes (a boot that finishes what
            // the cut interrupted), boot write 1, 2, ... until a boot makes fewer; the first of these
            // runs is the plain point when the boot writes nothing.
            var bootCut = 1
            var run: PointRun
            repeat {
                run = try bench.point(command, cutAt: cut, bootCutAt: bootCut)
                let violations = PointCheck.violations(command, run)
                run.finish()
                let point = run.bootWasCut ? "write \(cut), then boot write \(bootCut)" : "write \(cut)"
                line.violations += violations.map { "\(command) cut at \(point): \($0)" }
                if run.bootWasCut { line.bootPoints += 1 }
                bootCut += 1
            } while run.bootWasCut && bootCut <= Self.maximumWrites
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
            let boots = line.bootPoints == 0 ? "" : " (+\(line.bootPoints) cuts of the restart's own writes)"
            text.append("  \(name): writes 1...\(line.writes) cut\(boots), \(line.violations.count) violations")
        }
        let points = lines.reduce(0) { $0 + $1.writes + $1.bootPoints }
        let violations = lines.flatMap(\.violations)
        text.append("  \(points) points covered in \(String(format: "%.1f", seconds)) s")
        text += violations.map { "  violation: \($0)" }
        text.append("\(violations.count) violations")
        return text.joined(separator: "\n")
    }
}
