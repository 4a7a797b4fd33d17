import ArgumentParser
import CofferHost

/// `cofferctl admin counters`: the on-chip counters.
struct AdminCountersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counters",
        abstract: "Show the on-chip counters: lifecycle, and each used slot's version and attempts.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let counters = CounterReport(try global.vaultClient().counters())
            if global.json {
                try Output.json(counters)
            } else {
                try Output.line("lifecycle counter \(counters.lifecycleCounter), \(counters.slotCount) slots")
                for slot in counters.usedSlots {
                    try Output.line("slot \(slot.slot): version \(slot.version), attempts \(slot.attempts)")
                }
            }
        }
    }
}
