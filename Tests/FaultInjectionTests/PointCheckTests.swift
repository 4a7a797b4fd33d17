import Testing

/// The sweep's checks are not vacuous: told that the device answered what it did not keep, they
/// report a violation; told the truth about the same point, they report none.
@Suite struct PointCheckTests {
    @Test func guessAnsweredButNotInTheCountersIsAViolation() throws {
        let run = try MemoryBench().point(.wrongPassword, cutAt: 1)
        #expect(run.powerWasCut)
        #expect(PointCheck.violations(.wrongPassword, run).isEmpty)

        let doctored = try MemoryBench().point(.wrongPassword, cutAt: 1)
        doctored.ledger.loginStartsAnswered = 1
        let violations = PointCheck.violations(.wrongPassword, doctored)
        #expect(violations.contains { $0.hasPrefix("guess uncounted") })
    }

    @Test func depositAcknowledgedButNotKeptIsAViolation() throws {
        let run = try MemoryBench().point(.deposit, cutAt: 2)
        #expect(run.powerWasCut)
        #expect(PointCheck.violations(.deposit, run).isEmpty)

        let doctored = try MemoryBench().point(.deposit, cutAt: 2)
        doctored.ledger.acknowledged = true
        let violations = PointCheck.violations(.deposit, doctored)
        #expect(violations.contains { $0.hasPrefix("deposit lost") })
    }

    @Test func keyReleasedToAWrongPasswordIsAViolation() throws {
        let doctored = try MemoryBench().point(.wrongPassword, cutAt: nil)
        doctored.ledger.released.append(WriteCommand.aliceKey)
        #expect(PointCheck.violations(.wrongPassword, doctored).contains("released a key without a recover"))
    }
}
