@testable import CofferFuzzHarness
import CofferFirmware
import Testing

/// The `realm-messages` link seeds are worth something only if each is accepted by the decoder its
/// kind selects (a refused seed would leave the fuzzer exploring from nothing).
@Suite struct RealmLinkSeedTests {
    @Test func everyLinkSeedDecodesUnderItsKind() throws {
        let seeds = RealmMessagesSeeds.all.filter { $0.name.hasPrefix("link-") }
        #expect(seeds.count == 2 * RealmOperation.allCases.count + 1)
        var kinds = Set<UInt8>()
        for seed in seeds {
            let kind = try #require(RealmMessagesHarness.Kind(rawValue: seed.bytes[0]))
            let (operation, isRequest) = try #require(kind.linkOperation)
            let message = Array(seed.bytes.dropFirst())
            if isRequest {
                #expect(throws: Never.self, "\(seed.name)") {
                    try RealmLinkRequest(command: operation.rawValue, payload: message)
                }
            } else {
                #expect(throws: Never.self, "\(seed.name)") { try RealmLinkReply(operation: operation, decoding: message) }
            }
            kinds.insert(kind.rawValue)
        }
        #expect(kinds.count == 2 * RealmOperation.allCases.count, "a link kind without a seed")
    }
}
