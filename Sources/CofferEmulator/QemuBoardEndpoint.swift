import CTAPHID
import CofferFirmware

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The board in QEMU as the UDP server's `ReportEndpoint`: an OUT report goes over the UART as an 'O'
/// frame and the board's 'I' frames up to its 'D' are the reports answering it, so the server keeps
/// its report semantics (reply routing, channel ownership) exactly as for the native chip. 'T' frames
/// (CTAPHID timeouts, on the board's SysTick clock) are handed out by `poll`.
///
/// Before any report leaves, the board's memory files are fsynced (`syncState`): the board's writes
/// reached the host's files before the board could send the report (semihosting is synchronous), and
/// the fsync makes them survive a power cut of the host before anyone sees the answer.
final class QemuBoardEndpoint: ReportEndpoint {
    /// The longest the board may take over one OUT report: a vault request's bound on the host side.
    static let answerMilliseconds = 120_000
    /// How often the host looks for the board's timed reports while no traffic comes.
    static let pollMilliseconds: UInt64 = 20

    private let link: QemuBoardLink
    private let directory: StateDirectory
    private var timed: [[UInt8]] = []
    /// Why the board can no longer serve (it exited, went silent or sent what it must not); the server
    /// stops once this is set.
    private(set) var failure: String?

    init(link: QemuBoardLink, directory: StateDirectory) {
        self.link = link
        self.directory = directory
    }

    func receive(report: [UInt8], now: UInt64) -> [[UInt8]] {
        guard failure == nil else { return [] }
        guard link.send(QemuBoardFrame(.outReport, payload: report)) else {
            return fail("cannot write to the QEMU board's UART")
        }
        var answers: [[UInt8]] = []
        let clock = SystemClock()
        let deadline = clock.milliseconds() + UInt64(Self.answerMilliseconds)
        while true {
            guard let frame = link.receive(milliseconds: 100) else {
                // A stop request ends the wait; the server stops right after.
                if ShutdownSignal.requested != nil { return [] }
                if let status = link.exitStatus() { return fail("the QEMU board exited with status \(status)") }
                guard clock.milliseconds() < deadline else {
                    return fail("the QEMU board did not finish an OUT report within \(Self.answerMilliseconds) ms")
                }
                continue
            }
            switch frame.kind {
            case .inReport where frame.payload.count == CTAPHIDLimits.reportSize: answers.append(frame.payload)
            case .timedReport where frame.payload.count == CTAPHIDLimits.reportSize: timed.append(frame.payload)
            case .done: return synced(answers)
            default: return fail("the QEMU board sent a \(frame.kind) frame of \(frame.payload.count) bytes while answering")
            }
        }
    }

    func poll(now: UInt64) -> [[UInt8]] {
        guard failure == nil else { return [] }
        while let frame = link.receive(milliseconds: 0) {
            guard frame.kind == .timedReport, frame.payload.count == CTAPHIDLimits.reportSize else {
                return fail("the QEMU board sent a \(frame.kind) frame of \(frame.payload.count) bytes unasked")
            }
            timed.append(frame.payload)
        }
        if let status = link.exitStatus() { return fail("the QEMU board exited with status \(status)") }
        defer { timed = [] }
        return synced(timed)
    }

    func nextPollDeadline(now: UInt64) -> UInt64? {
        failure != nil || !timed.isEmpty ? now : now + Self.pollMilliseconds
    }

    private func synced(_ reports: [[UInt8]]) -> [[UInt8]] {
        guard !reports.isEmpty else { return reports }
        if let problem = syncState() { return fail(problem) }
        return reports
    }

    private func fail(_ problem: String) -> [[UInt8]] {
        if failure == nil { failure = problem }
        return []
    }

    /// fsyncs the board's memory files and the directory (their creation and the fuses' rename); nil, or
    /// what failed.
    func syncState() -> String? {
        let names = [QemuBoardFiles.fuses, QemuBoardFiles.counters, QemuBoardFiles.flash]
        for path in names.map(directory.file) + [directory.path] {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 && errno == ENOENT && path != directory.path { continue }
            guard fd >= 0 else { return "cannot open \(path) to fsync it: \(SystemError.message(errno))" }
            defer { close(fd) }
            guard fsync(fd) == 0 else { return "cannot fsync \(path): \(SystemError.message(errno))" }
        }
        return nil
    }
}

/// The names of the board's files in the state directory (scripts/qemu/BoardFiles.swift writes them).
enum QemuBoardFiles {
    static let fuses = "qemu-fuses.bin"
    static let counters = "qemu-counters.bin"
    static let flash = "qemu-flash.bin"
    /// The boot's host entropy, for the board to read at boot; removed once it has booted.
    static let entropy = "qemu-entropy.bin"
}
