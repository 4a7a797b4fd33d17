import ArgumentParser
import CofferEmulator

/// Which body runs the firmware: the native chip in this process, or the QEMU board's ARM image.
enum BoardChoice: String, ExpressibleByArgument, CaseIterable {
    case native
    case qemu
}

/// `serve --board qemu --image PATH`: the firmware as ARM code under qemu-system-arm, bridged to UDP.
struct QemuBoardOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "native (the firmware in this process) or qemu (the Cortex-M image of make firmware-qemu under "
                + "qemu-system-arm, its UART bridged to the UDP port; needs --image).",
            valueName: "board"))
    var board: BoardChoice = .native

    @Option(help: ArgumentHelp("The QEMU board's image (.build-qemu/coffer-qemu.elf).", valueName: "elf"))
    var image: String?

    /// `--image` goes with `--board qemu`, and the QEMU board's shape is fixed by its image.
    func validate(_ device: DeviceOptions) throws {
        switch board {
        case .native:
            guard image == nil else { throw ValidationError("--image needs --board qemu.") }
        case .qemu:
            guard image != nil else { throw ValidationError("--board qemu needs --image (make firmware-qemu builds it).") }
            if device.slots != nil { throw ValidationError("--slots: the QEMU board's image fixes its slots.") }
            if device.crashAfterWrites != nil { throw ValidationError("--crash-after-writes is for the native board.") }
            if device.slotCounters { throw ValidationError("--slot-counters is for the native board.") }
            if let suite = device.suite, suite != Emulator.qemuBoardSuite {
                throw ValidationError("--suite: the QEMU board's image serves \(Emulator.qemuBoardSuite.name) only.")
            }
        }
    }
}
