import CofferProtocol
import CofferTestSupport

/// A device the sweep can bring to a command's starting state, cut off at a chosen durable write
/// while the command runs, and restart with steady power.
protocol PowerCutBench {
    /// What the sweep prints for this bench.
    var name: String { get }
    /// Prepares `command`'s starting state on a fresh device, runs the command with the power cut at
    /// durable write `cut` (nil: never), and restarts the device on the same memories or files. With
    /// `bootCut`, a cut command is first restarted with the power cut at the restart's own durable
    /// write `bootCut` (a boot that finishes what the cut interrupted), then restarted again.
    func point(_ command: WriteCommand, cutAt cut: Int?, bootCutAt bootCut: Int?) throws -> PointRun
}

extension PowerCutBench {
    func point(_ command: WriteCommand, cutAt cut: Int?) throws -> PointRun {
        try point(command, cutAt: cut, bootCutAt: nil)
    }
}

/// One run of a command, cut off (or not), and the restarted device.
struct PointRun {
    /// Whether the cut happened (false: the command made fewer writes than the cut's number).
    let powerWasCut: Bool
    /// Whether the first restart was cut too (false: it made fewer writes than `bootCut`).
    var bootWasCut = false
    /// Whether the restart itself must finish an interrupted init (the emulator's `serve` does; the
    /// bare firmware waits for the operator to send Manufacture and Provision again).
    var restartFinishesInit = false
    /// Durable writes that reached the medium during the command, where the bench can count them.
    let writes: Int?
    let ledger: Ledger
    let before: BeforeCommand
    /// A client on the restarted device; nil when it did not come back (a violation).
    let restarted: VaultTestClient?
    /// Violations the bench saw itself (the device did not restart, a wrong exit status).
    let problems: [String]
    /// Stops what the bench started (an emulator process), reporting anything amiss.
    let finish: () -> Void
}

/// What the device's counters said right before the command.
struct BeforeCommand {
    /// Alice's attempt counter, if she has a record.
    let aliceAttempts: UInt32?

    init(_ command: WriteCommand, _ client: VaultTestClient) throws {
        guard command.aliceRegisteredBefore else {
            aliceAttempts = nil
            return
        }
        aliceAttempts = try client.counters().slots[WriteCommand.aliceSlot].attempts
    }
}
