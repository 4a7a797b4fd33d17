import ArgumentParser
import CofferHost

/// `cofferctl [--device URL] [--json] SUBCOMMAND`: Coffer's host tool. The work is CofferHost's.
@main
struct Cofferctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cofferctl",
        abstract: "Park backup keys in a Coffer HSM under a password, recover them, and encrypt backups with them.",
        discussion: ExitStatusTable.text,
        version: ToolVersion.text,
        subcommands: [
            DevicesCommand.self, InfoCommand.self, PingCommand.self, WinkCommand.self, KeygenCommand.self,
            RegisterCommand.self, RecoverCommand.self, DeleteCommand.self, BackupCommand.self, DemoCommand.self,
            PinsCommand.self, AdminCommand.self, DevCommand.self, TokenCommand.self, RealmCommand.self,
        ])

    @OptionGroup var global: GlobalOptions

    static func main() {
        Console.prepare()
        let arguments = Array(CommandLine.arguments.dropFirst())
        Output.jsonErrors = arguments.prefix { $0 != "--" }.contains("--json")
        do {
            var command = try parseAsRoot(arguments)
            // A command group named without a subcommand is a usage error, as with git: its usage, exit 64.
            if let group = type(of: command) as? any CommandGroup.Type {
                Output.note(helpMessage(for: group.self))
                Output.failure("name a subcommand", status: ExitStatus.usage.rawValue)
                exit(withError: ExitCode(ExitStatus.usage.rawValue))
            }
            try command.run()
        } catch let exit as ExitCode {
            // A command's own failure, already reported.
            Self.exit(withError: exit)
        } catch {
            // The argument parser prints the message and usage itself.
            let status = exitCode(for: error).rawValue
            if status != 0 { Output.jsonFailure(message(for: error), status: status) }
            Self.exit(withError: error)
        }
    }
}

/// A command that only groups subcommands: run bare, it is a usage error.
protocol CommandGroup: ParsableCommand {}

extension Cofferctl: CommandGroup {}
extension BackupCommand: CommandGroup {}
extension AdminCommand: CommandGroup {}
extension DevCommand: CommandGroup {}
extension TokenCommand: CommandGroup {}
extension RealmCommand: CommandGroup {}
extension RealmManifestCommand: CommandGroup {}
