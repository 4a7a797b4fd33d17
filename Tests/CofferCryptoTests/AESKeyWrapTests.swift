import OPAQUE
import Testing

@testable import CofferCrypto

struct KeyWrapVector: Sendable, CustomTestStringConvertible {
    let name: String
    let kek: [UInt8]
    let key: [UInt8]
    let wrapped: String
    var testDescription: String { name }
}

/// RFC 5649 §6: both examples use the same 192-bit KEK.
private let rfc5649KEK = [UInt8](hex: "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")

let keyWrapVectors = [
    KeyWrapVector(
        name: "RFC 5649 §6, 20-octet key", kek: rfc5649KEK,
        key: [UInt8](hex: "c37b7e6492584340bed12207808941155068f738"),
        wrapped: "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"),
    KeyWrapVector(
        name: "RFC 5649 §6, 7-octet key", kek: rfc5649KEK, key: [UInt8](hex: "466f7250617369"),
        wrapped: "afbeb0f07dfbf5419200f2ccb50bb24f"),
]

@Test("AES key wrap with padding matches RFC 5649 §6 and unwraps back", arguments: keyWrapVectors)
func keyWrapMatchesVector(_ vector: KeyWrapVector) throws {
    let kek = SecretBytes(vector.kek)
    #expect(try AESKeyWrap.wrap(SecretBytes(vector.key), kek: kek).hex == vector.wrapped)
    #expect(try AESKeyWrap.unwrap([UInt8](hex: vector.wrapped), kek: kek).bytes == vector.key)
}

@Test("unwrap refuses every single flipped bit of the wrapped key, and a flipped KEK bit", arguments: keyWrapVectors)
func keyWrapRefusesTampering(_ vector: KeyWrapVector) throws {
    let wrapped = [UInt8](hex: vector.wrapped)
    let kek = SecretBytes(vector.kek)
    for index in wrapped.indices {
        for bit in [0, 7] {
            #expect(throws: CryptoError.authenticationFailure) {
                try AESKeyWrap.unwrap(wrapped.flippingBit(bit, ofByte: index), kek: kek)
            }
        }
    }
    #expect(throws: CryptoError.authenticationFailure) {
        try AESKeyWrap.unwrap(wrapped, kek: SecretBytes(vector.kek.flippingBit(ofByte: 23)))
    }
    // The 24-byte KEK's first 16 bytes are a valid AES-128 KEK, but not this one.
    #expect(throws: CryptoError.authenticationFailure) {
        try AESKeyWrap.unwrap(wrapped, kek: SecretBytes(Array(vector.kek.prefix(16))))
    }
}

@Test("unwrap refuses truncated, extended and reordered wrapped keys")
func keyWrapRefusesReshaping() throws {
    let kek = SecretBytes(rfc5649KEK)
    let wrapped = [UInt8](hex: keyWrapVectors[0].wrapped)
    let swapped = Array(wrapped[0..<8] + wrapped[16..<24] + wrapped[8..<16] + wrapped[24..<32])
    for reshaped in [Array(wrapped.prefix(24)), wrapped + [UInt8](repeating: 0, count: 8), swapped] {
        #expect(throws: CryptoError.authenticationFailure) { try AESKeyWrap.unwrap(reshaped, kek: kek) }
    }
}

@Test("wrap and unwrap round-trip with 128-, 192- and 256-bit KEKs for key lengths 1 to 40")
func keyWrapRoundTrips() throws {
    let random = SeededRandom(seed: Array("kwp".utf8))
    for kekLength in [16, 24, 32] {
        let kek = SecretBytes(random.bytes(kekLength))
        for length in 1...40 {
            let key = random.bytes(length)
            let wrapped = try AESKeyWrap.wrap(SecretBytes(key), kek: kek)
            #expect(wrapped.count == (length + 7) / 8 * 8 + 8)
            #expect(try AESKeyWrap.unwrap(wrapped, kek: kek).bytes == key)
        }
    }
}

@Test("wrong KEK lengths, an empty key and malformed wrapped lengths are refused with invalidLength")
func keyWrapRefusesWrongLengths() throws {
    let kek = SecretBytes([UInt8](repeating: 1, count: 32))
    for badKEK in [0, 8, 15, 17, 31, 33, 64] {
        let bad = SecretBytes([UInt8](repeating: 1, count: badKEK))
        #expect(throws: CryptoError.invalidLength) { try AESKeyWrap.wrap(SecretBytes([1]), kek: bad) }
        #expect(throws: CryptoError.invalidLength) { try AESKeyWrap.unwrap([UInt8](repeating: 0, count: 16), kek: bad) }
    }
    #expect(throws: CryptoError.invalidLength) { try AESKeyWrap.wrap(SecretBytes([]), kek: kek) }
    for badWrapped in [0, 8, 15, 17, 23, 33] {
        #expect(throws: CryptoError.invalidLength) {
            try AESKeyWrap.unwrap([UInt8](repeating: 0, count: badWrapped), kek: kek)
        }
    }
}
