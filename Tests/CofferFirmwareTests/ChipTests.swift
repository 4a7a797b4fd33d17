import CTAPHID
import CofferMemoryChip
import CofferProtocol
import Testing

@testable import CofferFirmware

typealias TestChip = CofferChip<TestBoard>

/// A host on the chip's USB side: it opens a CTAPHID channel and exchanges whole messages, moving
/// 64-byte reports the way the emulator does.
final class USBHost: VaultLink {
    let chip: TestChip
    let clock = ManualClock(start: 1_000)
    private(set) var channel = CTAPHIDChannelID.broadcast

    init(chip: TestChip) throws {
        self.chip = chip
        var opening = CTAPHIDChannelOpening(nonce: [1, 2, 3, 4, 5, 6, 7, 8])
        for report in chip.receive(report: opening.requestReport, now: clock.milliseconds()) {
            if let response = try opening.receive(report: report) { channel = response.channel }
        }
        #expect(channel != .broadcast)
    }

    /// Sends one message and returns the response payload.
    func message(_ command: UInt8, _ payload: [UInt8]) throws -> [UInt8] {
        var exchange = try CTAPHIDHostTransaction(
            channel: channel, command: CTAPHIDCommand(rawValue: command), payload: payload)
        var replies: [[UInt8]] = []
        for report in exchange.requestReports {
            clock.advance(by: 1)
            replies += chip.receive(report: report, now: clock.milliseconds())
        }
        for report in replies {
            if case .response(let payload)? = try exchange.receive(report: report) { return payload }
        }
        throw CTAPHIDHostError.malformedInitResponse
    }

    func exchange(_ request: VaultRequest, channel _: UInt32) throws -> VaultReply {
        try VaultReply(decoding: message(request.operation.rawValue, request.encodedPayload()))
    }
}

private func operationalChip(_ memories: ChipMemories) throws -> TestChip {
    let chip = try TestChip(board: memories.board(), configuration: memories.configuration)
    try expectOK(chip.vault.handle(.manufacture(ManufactureRequest(serial: 4242)), channel: 0))
    try expectOK(chip.vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 10)), channel: 0))
    return chip
}

@Test func getInfoTravelsOverCTAPHIDReports() throws {
    let host = try USBHost(chip: operationalChip(ChipMemories()))
    let reply = try host.exchange(.getInfo, channel: 0)
    let described = try GetInfoResponse(decoding: expectOK(reply))
    #expect(described.serial == 4242)
    #expect(described.lifecycle == .operational)
}

@Test func pingEchoesAndWinkIsCounted() throws {
    let chip = try operationalChip(ChipMemories())
    let host = try USBHost(chip: chip)
    let payload = (0..<300).map { UInt8($0 & 0xFF) }
    #expect(try host.message(0x01, payload) == payload)
    #expect(try host.message(0x08, []) == [])
    #expect(chip.winkCount == 1)
}

@Test func enrolAndRecoverOverReports() throws {
    let host = try USBHost(chip: operationalChip(ChipMemories()))
    let client = TestClient(seed: 40)
    let key = [UInt8](repeating: 0x5A, count: 32)
    try client.enrol(host, id: Array("usb".utf8), password: Array("pw".utf8), backupKey: key)
    #expect(
        try client.login(host, id: Array("usb".utf8), password: Array("pw".utf8), intent: .recover) == .recovered(key))
}

@Test func unknownVendorCommandGetsAStatusNotAnError() throws {
    let host = try USBHost(chip: operationalChip(ChipMemories()))
    #expect(try host.message(0x7F, [2]) == [VaultStatus.unknownOperation.rawValue])
    #expect(try host.message(0x44, [2, 0]) == [VaultStatus.malformed.rawValue])
}

@Test func nonVendorCommandGetsACTAPHIDError() throws {
    let host = try USBHost(chip: operationalChip(ChipMemories()))
    #expect(throws: CTAPHIDHostError.self) { try host.message(0x10, [1]) }
}

@Test func pollReturnsNothingWhenIdle() throws {
    let chip = try operationalChip(ChipMemories())
    #expect(chip.poll(now: 5_000).isEmpty)
}
