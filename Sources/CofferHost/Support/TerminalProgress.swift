#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A one-line progress meter on stderr, shown only when stderr is a terminal (never in logs or
/// pipes) and only for work big enough to take a moment.
public final class TerminalProgress: @unchecked Sendable {
    /// Work smaller than this finishes before a meter would be read.
    public static let threshold = 64 << 20

    private let label: String
    private let lock = NSLock()
    private var shownPercent = -1

    /// A meter labelled `label`, or nil when stderr is not a terminal or `total` is small.
    public static func ifTerminal(label: String, total: Int) -> TerminalProgress? {
        guard isatty(STDERR_FILENO) == 1, total >= threshold else { return nil }
        return TerminalProgress(label: label)
    }

    private init(label: String) {
        self.label = label
    }

    /// Reports `done` of `total` bytes; redraws only when the whole percentage rises (workers report
    /// from several threads, so a late report of a smaller figure is dropped).
    public func update(done: Int, total: Int) {
        let percent = total > 0 ? done * 100 / total : 100
        lock.lock()
        defer { lock.unlock() }
        guard percent > shownPercent else { return }
        shownPercent = percent
        let line = "\r\(label) \(percent)% (\(done >> 20) of \(total >> 20) MiB)"
        Console.noteRaw(line)
    }

    /// Ends the meter's line.
    public func finish() {
        Console.noteRaw("\n")
    }

}
