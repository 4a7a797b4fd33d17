import ArgumentParser

@main
struct Cofferctl: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cofferctl", abstract: "Coffer host tool")
}
