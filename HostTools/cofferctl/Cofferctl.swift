import ArgumentParser
import CofferHost

/// `cofferctl [--device URL] [--json] SUBCOMMAND`: Coffer's host tool. The work is CofferHost's.
@main
struct Cofferctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cofferctl",
        abstract: "Park backup keys in a Coffer HSM under a password, recover them, and encrypt backups with them.",
        discussion: ExitStatusTable.text,
        subcommands: [
            DevicesCommand.self, InfoCommand.self, PingCommand.self, WinkCommand.self, KeygenCommand.self,
            RegisterCommand.self, RecoverCommand.self, DeleteCommand.self, BackupCommand.self, DemoCommand.self,
            PinsCommand.self, AdminCommand.self, DevCommand.self,
        ])

    @OptionGroup var global: GlobalOptions

    static func main() {
        Console.prepare()
        main(nil)
    }
}
