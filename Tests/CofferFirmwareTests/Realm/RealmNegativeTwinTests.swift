// Negative twins found by the random simulator itself: with one check of the member turned off,
// random runs must reach a violation. Each test reports how many seeds and steps that took. The
// twins whose attacks need a precise interleaving (page swap, durable capture, stale proofs at a
// take-over, a jump on one statement) are caught by the scripted scenarios in RealmScenarioTests;
// random runs of 300 seeds did not find them.

import Testing

@testable import CofferFirmware

@Suite("Realm negative twins")
struct RealmNegativeTwinTests {
    /// Runs seeds until one violates an invariant; nil when none of `seeds` does.
    static func firstViolation(
        checks: RealmSafetyChecks, faults: SimFaults, members: Int = 3, seeds: Int = 300, steps: Int = 400,
        ownersWaitUntil: Int = 0, guessers: Int = 2
    ) throws -> (seed: UInt64, violation: SimViolation, stepsRun: Int)? {
        var stepsRun = 0
        for seed in UInt64(1)...UInt64(seeds) {
            let simulation = try RealmSimulation(
                seed: seed, members: members, faults: faults, checks: checks, guessers: guessers)
            simulation.ownersWaitUntil = ownersWaitUntil
            do {
                try simulation.run(steps: steps, calm: false)
                stepsRun += simulation.step
            } catch let violation as SimViolation {
                return (seed, violation, stepsRun + violation.step)
            }
        }
        return nil
    }

    static func expectCaught(_ name: String, _ checks: RealmSafetyChecks, _ faults: SimFaults, members: Int = 3,
                             ownersWaitUntil: Int = 0, guessers: Int = 2, steps: Int = 400) throws {
        let found = try firstViolation(
            checks: checks, faults: faults, members: members, steps: steps, ownersWaitUntil: ownersWaitUntil,
            guessers: guessers)
        #expect(found != nil, "\(name): no violation found with the check removed")
        if let found {
            print("negative twin \(name): caught at seed \(found.seed) after \(found.stepsRun) steps: \(found.violation.what)")
        }
    }

    @Test("without the majority check, a leader releases responses of an entry a majority never captured")
    func majority() throws {
        var checks = RealmSafetyChecks()
        checks.commitNeedsMajority = false
        try Self.expectCaught("majority", checks, SimFaults())
    }





    @Test("without the voted-index counter, a member that lost its tail and jumped back votes again at an index")
    func votesOncePerIndex() throws {
        var checks = RealmSafetyChecks()
        checks.votesOncePerIndex = false
        var faults = SimFaults()
        faults.equivocatingStore = true
        faults.pageSwaps = true
        try Self.expectCaught("votes once per index", checks, faults, steps: 1000)
    }

    @Test("an OPRF key named by the id alone turns fake KE2s harvested before a registration into guesses")
    func oprfKeyFromIDAlone() throws {
        var checks = RealmSafetyChecks()
        checks.oprfKeyPerRegistration = false
        try Self.expectCaught("OPRF key from the id alone", checks, SimFaults.honest, ownersWaitUntil: 300, guessers: 3)
    }
}
