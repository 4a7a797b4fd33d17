import CofferFirmware
import CofferMemoryChip
import Testing

@Test func flashProgramsOnlyErasedBytes() throws {
    let flash = MemoryFlash(pageSize: 16, pageCount: 2)
    try flash.program(offset: 3, bytes: [1, 2])
    #expect(try flash.read(offset: 2, count: 4) == [0xFF, 1, 2, 0xFF])
    #expect(throws: HALError.notErased) { try flash.program(offset: 4, bytes: [7]) }
    try flash.erase(page: 0)
    try flash.program(offset: 4, bytes: [7])
    #expect(try flash.read(offset: 3, count: 2) == [0xFF, 7])
}

@Test func flashRefusesOutOfRange() {
    let flash = MemoryFlash(pageSize: 16, pageCount: 2)
    #expect(throws: HALError.outOfRange) { try flash.read(offset: 30, count: 3) }
    #expect(throws: HALError.outOfRange) { try flash.program(offset: 31, bytes: [1, 2]) }
    #expect(throws: HALError.outOfRange) { try flash.erase(page: 2) }
}

@Test func countersOnlyRise() throws {
    let bank = MemoryCounterBank(count: 2)
    #expect(try bank.increment(1) == 1)
    #expect(try bank.increment(1) == 2)
    #expect(try bank.read(1) == 2)
    #expect(try bank.read(0) == 0)
    #expect(throws: HALError.outOfRange) { try bank.increment(2) }
}

@Test func fusesBurnOnce() throws {
    let fuses = MemoryFuses()
    #expect(try fuses.read() == nil)
    let contents = FuseContents(uds: [UInt8](repeating: 1, count: 32), serial: 5)
    try fuses.burn(contents)
    #expect(try fuses.read() == contents)
    #expect(throws: HALError.alreadyBurned) { try fuses.burn(contents) }
}

@Test func powerCutFailsEveryWriteFromTheNthOn() throws {
    let power = PowerCut()
    let bank = MemoryCounterBank(count: 1, power: power)
    let flash = MemoryFlash(pageSize: 8, pageCount: 1, power: power)
    power.cut(afterWrites: 2)
    _ = try bank.increment(0)
    try flash.program(offset: 0, bytes: [1])
    #expect(throws: HALError.ioFailure) { try bank.increment(0) }
    #expect(throws: HALError.ioFailure) { try flash.program(offset: 1, bytes: [2]) }
    #expect(throws: HALError.ioFailure) { try flash.erase(page: 0) }
    // The refused writes did not happen.
    #expect(try bank.read(0) == 1)
    #expect(try flash.read(offset: 0, count: 2) == [1, 0xFF])
    #expect(power.isCut)
    #expect(power.completedWrites == 2)
    power.restore()
    #expect(try bank.increment(0) == 2)
}

@Test func manualClockMovesOnlyWhenTold() {
    let clock = ManualClock(start: 5)
    #expect(clock.milliseconds() == 5)
    clock.advance(by: 10)
    #expect(clock.milliseconds() == 15)
}

@Test func seededEntropyRepeatsPerSeed() {
    #expect(SeededEntropy(seed: 3).randomBytes(40) == SeededEntropy(seed: 3).randomBytes(40))
    #expect(SeededEntropy(seed: 3).randomBytes(40) != SeededEntropy(seed: 4).randomBytes(40))
}
