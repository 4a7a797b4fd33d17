import CTAPHID
import Testing

@Suite struct LimitsTests {
    @Test func maxMessageSizeIsTheSpecFigure() {
        // CTAP 2.1 §11.2.4: 64 − 7 + 128 × (64 − 5) = 7609.
        #expect(CTAPHIDLimits.maxMessageSize == 7609)
        #expect(CTAPHIDLimits.initPayloadSize == 57)
        #expect(CTAPHIDLimits.continuationPayloadSize == 59)
    }
}
