import OPAQUE
import Testing

@testable import CofferCrypto

struct GCMVector: Sendable, CustomTestStringConvertible {
    let testCase: Int
    let key: [UInt8]
    let nonce: [UInt8]
    let plaintext: [UInt8]
    let aad: [UInt8]
    let ciphertext: String
    let tag: String
    var testDescription: String { "GCM spec test case \(testCase)" }
}

private let gcmKey15 = [UInt8](hex: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
private let gcmPlaintext15 = [UInt8](
    hex: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
        + "b16aedf5aa0de657ba637b391aafd255")
private let gcmCiphertext15 =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
    + "c5f61e6393ba7a0abcc9f662898015ad"

/// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13–16 (256-bit keys).
let gcmVectors = [
    GCMVector(
        testCase: 13, key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12), plaintext: [],
        aad: [], ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
    GCMVector(
        testCase: 14, key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12),
        plaintext: [UInt8](repeating: 0, count: 16), aad: [], ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
        tag: "d0d1c8a799996bf0265b98b5d48ab919"),
    GCMVector(
        testCase: 15, key: gcmKey15, nonce: [UInt8](hex: "cafebabefacedbaddecaf888"), plaintext: gcmPlaintext15,
        aad: [], ciphertext: gcmCiphertext15, tag: "b094dac5d93471bdec1a502270e3cc6c"),
    GCMVector(
        testCase: 16, key: gcmKey15, nonce: [UInt8](hex: "cafebabefacedbaddecaf888"),
        plaintext: Array(gcmPlaintext15.prefix(60)), aad: [UInt8](hex: "feedfacedeadbeeffeedfacedeadbeefabaddad2"),
        ciphertext: String(gcmCiphertext15.prefix(120)), tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
]

@Test("AES-256-GCM seal matches the GCM spec and opens back", arguments: gcmVectors)
func gcmMatchesVector(_ vector: GCMVector) throws {
    let key = SecretBytes(vector.key)
    let sealed = try AESGCM.seal(vector.plaintext, key: key, nonce: vector.nonce, aad: vector.aad)
    #expect(sealed.hex == vector.ciphertext + vector.tag)
    #expect(try AESGCM.open(sealed, key: key, nonce: vector.nonce, aad: vector.aad) == vector.plaintext)
}

@Test("a flipped bit in ciphertext, tag, nonce, aad or key is refused", arguments: gcmVectors)
func gcmRefusesTampering(_ vector: GCMVector) throws {
    let sealed = [UInt8](hex: vector.ciphertext + vector.tag)
    let key = SecretBytes(vector.key)
    var tampered: [(sealed: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8])] = [
        (sealed.flippingBit(ofByte: sealed.count - 1), vector.key, vector.nonce, vector.aad),
        (sealed, vector.key.flippingBit(ofByte: 5), vector.nonce, vector.aad),
        (sealed, vector.key, vector.nonce.flippingBit(ofByte: 11), vector.aad),
        (sealed, vector.key, vector.nonce, vector.aad + [0]),
    ]
    if !vector.plaintext.isEmpty {
        tampered.append((sealed.flippingBit(4, ofByte: 0), vector.key, vector.nonce, vector.aad))
    }
    if !vector.aad.isEmpty {
        tampered.append((sealed, vector.key, vector.nonce, vector.aad.flippingBit(ofByte: 0)))
    }
    for attempt in tampered {
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(attempt.sealed, key: SecretBytes(attempt.key), nonce: attempt.nonce, aad: attempt.aad)
        }
    }
    #expect(try AESGCM.open(sealed, key: key, nonce: vector.nonce, aad: vector.aad) == vector.plaintext)
}

@Test("wrong key, nonce and box lengths are refused with invalidLength")
func gcmRefusesWrongLengths() throws {
    let key = SecretBytes([UInt8](repeating: 1, count: 32))
    let nonce = [UInt8](repeating: 2, count: 12)
    for badKey in [0, 16, 24, 31, 33] {
        #expect(throws: CryptoError.invalidLength) {
            try AESGCM.seal([1], key: SecretBytes([UInt8](repeating: 1, count: badKey)), nonce: nonce)
        }
        #expect(throws: CryptoError.invalidLength) { try AESGCMKey(bytes: [UInt8](repeating: 1, count: badKey)) }
    }
    for badNonce in [0, 8, 11, 13, 16] {
        let n = [UInt8](repeating: 2, count: badNonce)
        #expect(throws: CryptoError.invalidLength) { try AESGCM.seal([1], key: key, nonce: n) }
        #expect(throws: CryptoError.invalidLength) {
            try AESGCM.open([UInt8](repeating: 0, count: 17), key: key, nonce: n)
        }
    }
    for shortBox in [0, 1, 15] {
        #expect(throws: CryptoError.invalidLength) {
            try AESGCM.open([UInt8](repeating: 0, count: shortBox), key: key, nonce: nonce)
        }
    }
}

@Test("one AESGCMKey seals and opens many 64 KiB chunks with distinct nonces")
func reusableKeySealsManyChunks() throws {
    let key = try AESGCMKey(bytes: [UInt8](repeating: 0x42, count: 32))
    let chunk = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var previous: [UInt8] = []
    for index in 0..<8 {
        var nonce = [UInt8](repeating: 0, count: 12)
        nonce[11] = UInt8(index)
        let sealed = try key.seal(chunk, nonce: nonce, aad: [UInt8(index)])
        #expect(sealed.count == chunk.count + 16)
        #expect(sealed != previous)
        // The reused context gives what a fresh one-shot context gives.
        #expect(
            sealed
                == (try AESGCM.seal(
                    chunk, key: SecretBytes(Array(repeating: 0x42, count: 32)), nonce: nonce, aad: [UInt8(index)])))
        #expect(try key.open(sealed, nonce: nonce, aad: [UInt8(index)]) == chunk)
        // A failed open leaves the key usable.
        #expect(throws: CryptoError.authenticationFailure) { try key.open(sealed, nonce: nonce, aad: []) }
        previous = sealed
    }
}

@Test("the buffer API seals what the array API seals, refuses wrong sizes, and zeroes output on a bad tag")
func bufferAPIMatchesArrayAPI() throws {
    let vector = gcmVectors[3]
    let key = try AESGCMKey(bytes: vector.key)
    let expected = [UInt8](hex: vector.ciphertext + vector.tag)
    var sealed = [UInt8](repeating: 0, count: vector.plaintext.count + 16)
    var opened = [UInt8](repeating: 0xee, count: vector.plaintext.count)
    try vector.plaintext.withUnsafeBytes { plaintext in
        try vector.nonce.withUnsafeBytes { nonce in
            try vector.aad.withUnsafeBytes { aad in
                try sealed.withUnsafeMutableBytes { try key.seal(plaintext, nonce: nonce, aad: aad, into: $0) }
                #expect(sealed == expected)
                try sealed.withUnsafeBytes { sealed in
                    try opened.withUnsafeMutableBytes { try key.open(sealed, nonce: nonce, aad: aad, into: $0) }
                }
                #expect(opened == vector.plaintext)
                var wrongSize = [UInt8](repeating: 0, count: vector.plaintext.count + 15)
                #expect(throws: CryptoError.invalidLength) {
                    try wrongSize.withUnsafeMutableBytes { try key.seal(plaintext, nonce: nonce, aad: aad, into: $0) }
                }
                let tampered = sealed.flippingBit(ofByte: 10)
                #expect(throws: CryptoError.authenticationFailure) {
                    try tampered.withUnsafeBytes { sealed in
                        try opened.withUnsafeMutableBytes { try key.open(sealed, nonce: nonce, aad: aad, into: $0) }
                    }
                }
                #expect(opened.allSatisfy { $0 == 0 })
            }
        }
    }
}
