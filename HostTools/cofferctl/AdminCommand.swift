import ArgumentParser

/// `cofferctl admin provision|zeroize|counters`: operator commands.
struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Operator commands: provision, zeroize, counters.",
        subcommands: [AdminProvisionCommand.self, AdminZeroizeCommand.self, AdminCountersCommand.self])
}
