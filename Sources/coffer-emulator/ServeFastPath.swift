import ArgumentParser
import CofferEmulator
import CofferProtocol
import Logging

/// `coffer-emulator [serve] --option value ...` read without swift-argument-parser's parser, because
/// test harnesses and scripts start emulators many times and that parser was about a third of the
/// emulator's CPU time before it was ready (its first run reflects over every option and looks up
/// conformances across every loaded library; issue 14's start-up figure).
///
/// It builds the very `ServeCommand` the parser would and runs the same `validate()`s on it, so it
/// decides nothing the parser does not: it only takes the plain forms (`--name value`, `--name=value`,
/// a flag alone), converts values with the parser's own `ExpressibleByArgument` initialisers, lets a
/// repeated option's last value win as the parser does, and returns nil for everything else (an
/// unknown option, `--help`, a value that does not convert or looks like an option, a failed check,
/// the QEMU board), which then goes to swift-argument-parser for its usual message and exit status.
/// `ServeFastPathTests` holds the two readings equal over a corpus, and every option `serve` declares
/// to be known here.
enum ServeFastPath {
    /// The `serve` command `arguments` (without the program name) ask for, checked; nil to leave them
    /// to swift-argument-parser.
    static func command(_ arguments: some Collection<String>) -> ServeCommand? {
        var rest = arguments[...]
        if rest.first == "serve" { rest = rest.dropFirst() }
        var choices = Choices()
        while let word = rest.popFirst() {
            guard word.hasPrefix("--") else { return nil }
            let name: Substring
            var value: String?
            if let equals = word.firstIndex(of: "=") {
                name = word[word.index(word.startIndex, offsetBy: 2)..<equals]
                value = String(word[word.index(after: equals)...])
            } else {
                name = word.dropFirst(2)
            }
            if Choices.flags.contains(String(name)) {
                guard value == nil, choices.setFlag(name) else { return nil }
                continue
            }
            guard Choices.options.contains(String(name)) else { return nil }
            if value == nil {
                guard let next = rest.popFirst(), !next.hasPrefix("-") else { return nil }
                value = next
            }
            guard let value, choices.set(name, value) else { return nil }
        }
        return choices.checkedCommand()
    }

    /// Every option and flag name this path reads, for the test that `serve` declares no other.
    static var names: Set<String> { Set(Choices.flags + Choices.options) }

    /// The values read so far, each starting at its declared default.
    private struct Choices {
        var stateDir: String?
        var logLevel: Logger.Level = .info
        var seed: String?
        var slots: Int?
        var attemptLimit: Int?
        var maxAttemptLimit: Int?
        var slotCounters = false
        var suite: VaultSuite?
        var realmMember = false
        var crashAfterWrites: Int?
        var port = Int(Emulator.defaultPort)
        var bind = Emulator.defaultBindAddress
        var readyFile: String?
        var groupCommit = false
        var fsyncDelayMs: Int?

        static let flags = ["slot-counters", "realm-member", "group-commit"]
        static let options = [
            "state-dir", "log-level", "seed", "slots", "attempt-limit", "max-attempt-limit", "suite",
            "crash-after-writes", "port", "bind", "ready-file", "fsync-delay-ms",
        ]

        /// Sets the flag `name`; false for a name that is not one of `flags`.
        mutating func setFlag(_ name: Substring) -> Bool {
            switch name {
            case "slot-counters": slotCounters = true
            case "realm-member": realmMember = true
            case "group-commit": groupCommit = true
            default: return false
            }
            return true
        }

        /// Sets the option `name` to `text`; false when the value does not convert (or for a name that
        /// is not one of `options`).
        mutating func set(_ name: Substring, _ text: String) -> Bool {
            switch name {
            case "state-dir": stateDir = text
            case "log-level": return Self.set(&logLevel, text)
            case "seed": seed = text
            case "slots": return Self.setOptional(&slots, text)
            case "attempt-limit": return Self.setOptional(&attemptLimit, text)
            case "max-attempt-limit": return Self.setOptional(&maxAttemptLimit, text)
            case "suite": return Self.setOptional(&suite, text)
            case "crash-after-writes": return Self.setOptional(&crashAfterWrites, text)
            case "port": return Self.set(&port, text)
            case "bind": bind = text
            case "ready-file": readyFile = text
            case "fsync-delay-ms": return Self.setOptional(&fsyncDelayMs, text)
            default: return false
            }
            return true
        }

        private static func set<Value: ExpressibleByArgument>(_ field: inout Value, _ text: String) -> Bool {
            guard let value = Value(argument: text) else { return false }
            field = value
            return true
        }

        private static func setOptional<Value: ExpressibleByArgument>(_ field: inout Value?, _ text: String) -> Bool {
            guard let value = Value(argument: text) else { return false }
            field = value
            return true
        }

        /// The command these choices make, if every check the parser runs passes.
        func checkedCommand() -> ServeCommand? {
            var state = StateOptions()
            state.stateDir = stateDir
            state.logLevel = logLevel
            var device = DeviceOptions()
            device.seed = seed
            device.slots = slots
            device.attemptLimit = attemptLimit
            device.maxAttemptLimit = maxAttemptLimit
            device.slotCounters = slotCounters
            device.suite = suite
            device.realmMember = realmMember
            device.crashAfterWrites = crashAfterWrites
            var qemu = QemuBoardOptions()
            qemu.board = .native
            qemu.image = nil
            var command = ServeCommand()
            command.state = state
            command.device = device
            command.qemu = qemu
            command.port = port
            command.bind = bind
            command.readyFile = readyFile
            command.groupCommit = groupCommit
            command.fsyncDelayMs = fsyncDelayMs
            do {
                try state.validate()
                try device.validate()
                try command.validate()
            } catch {
                return nil
            }
            return command
        }
    }
}

/// The emulator's entry: `serve` in its plain forms straight to `ServeCommand`, anything else to
/// swift-argument-parser.
@main
enum CofferEmulatorMain {
    static func main() {
        guard let serve = ServeFastPath.command(CommandLine.arguments.dropFirst()) else {
            CofferEmulatorCommand.main()
            return
        }
        do {
            try serve.run()
        } catch {
            CofferEmulatorCommand.exit(withError: error)
        }
    }
}
