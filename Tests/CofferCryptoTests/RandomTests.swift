import CofferFirmware
import Testing

@testable import CofferCrypto

@Test("SeededRandom: the same seed gives the same bytes")
func sameSeedSameBytes() {
    let a = SeededRandom(seed: Array("coffer".utf8))
    let b = SeededRandom(seed: Array("coffer".utf8))
    #expect(a.bytes(100) == b.bytes(100))
    #expect(a.randomBytes(7) == b.randomBytes(7))
}

@Test("SeededRandom: a different seed gives different bytes")
func differentSeedDifferentBytes() {
    let a = SeededRandom(seed: [1, 2, 3])
    let b = SeededRandom(seed: [1, 2, 2])
    #expect(a.bytes(32) != b.bytes(32))
    #expect(SeededRandom(seed: []).bytes(32) != SeededRandom(seed: [0]).bytes(32))
}

@Test("SeededRandom: successive requests differ and zero-length requests work")
func successiveRequestsDiffer() {
    let random = SeededRandom(seed: [9])
    let first = random.bytes(32)
    #expect(random.bytes(0).isEmpty)
    #expect(random.bytes(32) != first)
}

@Test("SeededRandom is HMAC_DRBG (SP 800-90A) with HMAC-SHA256: the first block follows by hand")
func seededRandomIsHMACDRBG() {
    // Instantiate: K = 0^32, V = 1^32, then Update(seed) in two rounds; Generate: V = HMAC(K, V).
    let seed: [UInt8] = [0xc0, 0xff, 0xee]
    var key = [UInt8](repeating: 0, count: 32)
    var value = [UInt8](repeating: 1, count: 32)
    for round: UInt8 in [0, 1] {
        key = HMACSHA256.authenticationCode(for: value + [round] + seed, key: key)
        value = HMACSHA256.authenticationCode(for: value, key: key)
    }
    let expected = HMACSHA256.authenticationCode(for: value, key: key)
    #expect(SeededRandom(seed: seed).bytes(32) == expected)
}

/// The firmware takes its entropy through the HAL protocol; both generators plug in there.
func drawThroughHAL<E: EntropySource>(_ source: E, _ count: Int) -> [UInt8] { source.randomBytes(count) }

@Test("SystemRandom and SeededRandom serve as the firmware's EntropySource")
func generatorsAreEntropySources() {
    let system = drawThroughHAL(SystemRandom(), 48)
    #expect(system.count == 48)
    #expect(system != drawThroughHAL(SystemRandom(), 48))
    #expect(drawThroughHAL(SeededRandom(seed: [5]), 16) == SeededRandom(seed: [5]).bytes(16))
}

@Test("SystemRandom fills large buffers")
func systemRandomLargeBuffer() {
    let bytes = SystemRandom().bytes(3 << 20)
    #expect(bytes.count == 3 << 20)
    // 3 MiB of zeros from a CSPRNG would be a broken generator, not bad luck.
    #expect(bytes.contains { $0 != 0 })
}
