@testable import CofferFirmware
import OPAQUE
import Testing

@Test func slotContentRoundTripsPadded() throws {
    let record = VaultRecord(
        credentialID: [1, 2], attemptLimit: 3, attemptBase: 9, backupKey: SecretBytes([UInt8](repeating: 5, count: 32)),
        registrationRecord: [UInt8](repeating: 6, count: 129))
    for content in [SlotContent.empty, .tombstone(credentialID: [7]), .record(record)] {
        let bytes = content.encoded(length: 474)
        #expect(bytes.count == 474)
        #expect(try SlotContent(decoding: bytes) == content)
    }
}
