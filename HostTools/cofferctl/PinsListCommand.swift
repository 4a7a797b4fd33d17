import ArgumentParser
import CofferHost

/// `cofferctl pins [list]`: every pin, one line each (address, serial, fingerprint, file).
struct PinsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the pins: address, serial, identity fingerprint, pin file.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let pins = try global.pins()
            let listing = try pins.list()
            if global.json {
                try Output.json(listing.pins)
            } else {
                let width = listing.pins.map(\.address.count).max() ?? 0
                for pin in listing.pins {
                    try Output.line([pin.address.padding(toLength: width, withPad: " ", startingAt: 0), pin.serialText,
                           pin.fingerprint, pin.file].joined(separator: "  "))
                }
                if listing.pins.isEmpty && listing.unreadable.isEmpty { Output.note("no pins in \(pins.directory)") }
            }
            if !listing.legacyFiles.isEmpty {
                Output.note("cofferctl: ignored \(listing.legacyFiles.count) per-serial pin file(s) of an older "
                            + "cofferctl (pins are kept per address now; these are never read, remove them): "
                            + listing.legacyFiles.joined(separator: " "))
            }
            // Every unreadable pin is named; the first one decides the status.
            for problem in listing.unreadable.dropFirst() { Output.note("cofferctl: " + problem.message) }
            if let first = listing.unreadable.first { throw first }
        }
    }
}
