import ArgumentParser

/// `cofferctl pins [list] | pins forget ADDRESS`: the device identities this user pinned.
struct PinsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pins",
        abstract: "List or forget the device identities pinned per address (trust on first use).",
        discussion: """
            A pin holds the identity key and serial of the device first reached at an address. A device at
            that address with another identity is refused until --trust-new-device or `pins forget`.
            """,
        subcommands: [PinsListCommand.self, PinsForgetCommand.self], defaultSubcommand: PinsListCommand.self)
}
