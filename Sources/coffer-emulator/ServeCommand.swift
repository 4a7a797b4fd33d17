import ArgumentParser
import CofferEmulator

/// Serves the device over UDP (the default subcommand).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the device's CTAPHID reports over UDP (creating the device if the state dir holds none).",
        discussion: """
            The ready file (--ready-file) is written atomically once the state is loaded and the socket \
            bound, and removed on a clean exit (SIGINT, SIGTERM): \
            {"pid":N,"port":N,"serial":"<16 hex digits>","stateDir":"<absolute path>"}. \
            While serving, the emulator also notes itself for `cofferctl devices` in PID.json under \
            $COFFER_RUNTIME_DIR, else $XDG_RUNTIME_DIR/coffer/emulators, else /tmp/coffer-UID/emulators \
            (removed on a clean exit). Damage it starts with (an unreadable store header, a counter page \
            fallen back from) is logged as a warning.
            """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var device: DeviceOptions

    @Option(help: ArgumentHelp("UDP port; 0 lets the OS pick one (see --ready-file).", valueName: "n"))
    var port: Int = Int(Emulator.defaultPort)

    @Option(
        help: ArgumentHelp(
            "Numeric IPv4 or IPv6 address to bind (anything but loopback is warned about: zeroize needs only "
                + "the serial).",
            valueName: "addr"))
    var bind: String = Emulator.defaultBindAddress

    @Option(help: ArgumentHelp("Write pid, port, serial and state dir here as JSON once serving.", valueName: "file"))
    var readyFile: String?

    @Flag(
        help: ArgumentHelp(
            "Group commit: counter changes made while handling one batch of reports share one durable write.",
            discussion: "The write is made before any reply of the batch leaves, so no KE2 is seen before its "
                + "guess is counted durably; with many channels guessing at once on a slow medium, fewer fsyncs. "
                + "Off by default, so --crash-after-writes numbers every counter change as one write."))
    var groupCommit = false

    @Option(
        help: ArgumentHelp(
            "Add this many milliseconds to every fsync of the counters and the flash (a slow medium).",
            valueName: "ms"))
    var fsyncDelayMs: Int?

    @OptionGroup var qemu: QemuBoardOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        do {
            _ = try PeerAddress(host: bind, port: 0)
        } catch {
            throw ValidationError("--bind must be a numeric IPv4 or IPv6 address, not \"\(bind)\".")
        }
        try qemu.validate(device)
        if let fsyncDelayMs, !(0...1000).contains(fsyncDelayMs) {
            throw ValidationError("--fsync-delay-ms must be between 0 and 1000.")
        }
        if qemu.image != nil && (groupCommit || fsyncDelayMs != nil) {
            throw ValidationError("--group-commit and --fsync-delay-ms are for the native board.")
        }
    }

    func run() throws {
        state.bootstrapLogging()
        try reportingFailure { () throws(EmulatorError) in
            if let image = qemu.image {
                return try Emulator.serveQemuBoard(
                    device.settings(state), image: image, bind: bind, port: UInt16(port), readyFile: readyFile)
            }
            var settings = device.settings(state)
            settings.groupCommit = groupCommit
            settings.syncDelay = fsyncDelayMs.map { .milliseconds($0) }
            try Emulator.serve(settings, bind: bind, port: UInt16(port), readyFile: readyFile)
        }
    }
}
