// The realm simulator's runs: random seeds with every fault on, each invariant checked after every
// step; and its negative twins, each with one safety check of REALM.md turned off, which must be
// caught. `make sim SEEDS=N` runs more seeds (COFFER_SIM_SEEDS).

import Foundation
import Testing

@testable import CofferFirmware

@Suite("Realm simulation")
struct RealmSimulationTests {
    /// Seeds run per group size in `make test`; `COFFER_SIM_SEEDS` raises it.
    static var seeds: Int { ProcessInfo.processInfo.environment["COFFER_SIM_SEEDS"].flatMap(Int.init) ?? 20 }
    static var firstSeed: UInt64 {
        ProcessInfo.processInfo.environment["COFFER_SIM_FIRST_SEED"].flatMap(UInt64.init) ?? 1
    }

    @Test("groups of 3 and 5 keep every invariant under power cuts, page swaps, a lossy network and racing leaders",
          arguments: [3, 5])
    func randomRuns(members: Int) throws {
        var faults = SimFaults()
        faults.pageSwaps = true
        var steps = 0
        var registered = 0
        var stalled = 0
        var evaluations = 0
        var destroyed = 0
        var recovered = 0
        var deleted = 0
        for seed in Self.firstSeed..<Self.firstSeed + UInt64(Self.seeds) {
            let simulation = try RealmSimulation(seed: seed, members: members, faults: faults)
            do {
                try simulation.run(steps: 1000)
            } catch let violation as SimViolation {
                Issue.record("\(violation) (replay: COFFER_SIM_FIRST_SEED=\(seed) COFFER_SIM_SEEDS=1)")
                return
            }
            steps += simulation.stepsRun
            registered += simulation.records.count
            evaluations += simulation.releasedEvaluations
            destroyed += simulation.destroyedSeen
            recovered += simulation.clients.map(\.recovered).reduce(0, +)
            deleted += simulation.clients.map(\.deleted).reduce(0, +)
            if simulation.stalled { stalled += 1 }
        }
        #expect(registered > 0, "no record was ever registered: the runs exercised nothing")
        print(
            "realm simulation, \(members) members: \(Self.seeds) seeds, \(steps) steps, \(registered) registrations, "
                + "\(evaluations) OPRF evaluations released, \(recovered) recoveries, \(deleted) deletions, "
                + "\(destroyed) logins refused on destroyed records, "
                + "\(stalled) stopped safely (a majority lost its tail), 0 violations")
    }

    @Test("an equivocating store that rolls agents back breaks no safety invariant")
    func equivocatingStore() throws {
        var faults = SimFaults()
        faults.equivocatingStore = true
        faults.pageSwaps = true
        for seed in Self.firstSeed..<Self.firstSeed + UInt64(Self.seeds) {
            let simulation = try RealmSimulation(seed: seed, members: 3, faults: faults)
            do {
                try simulation.run(steps: 1000)
            } catch let violation as SimViolation {
                Issue.record("\(violation)")
                return
            }
        }
    }
}
