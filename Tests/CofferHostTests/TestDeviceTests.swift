import CofferTesting
import CofferTestSupport
import Testing

/// `CofferTesting.TestDevice`, the in-process device other packages' tests use: the real firmware,
/// on memory or a state directory, with its counters in view.
@Suite struct TestDeviceTests {
    @Test func registersRecoversAndCountsGuessesOnMemory() throws {
        let device = try TestDevice.inMemory()
        let key = BackupKey.generate()
        #expect(try device.register(id: "alice", password: "correct horse", key: key, attemptLimit: 3) == 3)
        #expect(try device.recover(id: "alice", password: "correct horse") == key)
        #expect(throws: VaultError.wrongPassword(attemptsRemaining: 2)) {
            try device.recover(id: "alice", password: "wrong")
        }
        let slot = try #require(try device.counters().usedSlots.first)
        #expect(slot.attempts == 3)  // the deposit's login, the recovery, the wrong guess
        #expect(try device.summary().records == 1)
    }

    @Test func aStateDirectoryKeepsTheRecord() throws {
        let directory = TemporaryDirectory()
        let key = BackupKey.generate()
        do {
            let device = try TestDevice.stateDirectory(directory.path)
            try device.register(id: "bob", password: "pw", key: key)
        }
        let again = try TestDevice.stateDirectory(directory.path)
        #expect(try again.recover(id: "bob", password: "pw") == key)
        #expect(again.address == .embedded(stateDirectory: directory.path))
    }
}
