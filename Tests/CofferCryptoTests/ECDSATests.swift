import OPAQUE
import Testing

@testable import CofferCrypto

/// RFC 6979 appendix A.2.5: the P-256 key pair.
private let rfc6979Scalar = [UInt8](hex: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
private let rfc6979X = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
private let rfc6979Y = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
private let groupOrder = [UInt8](hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")

struct ECDSAVector: Sendable, CustomTestStringConvertible {
    let message: String
    let r: String
    let s: String
    var signature: [UInt8] { [UInt8](hex: r + s) }
    var testDescription: String { "RFC 6979 A.2.5 SHA-256 \"\(message)\"" }
}

let ecdsaVectors = [
    ECDSAVector(
        message: "sample", r: "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
        s: "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"),
    ECDSAVector(
        message: "test", r: "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
        s: "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"),
]

@Test("the public key of the RFC 6979 scalar is its (Ux, Uy), compressed with prefix 03")
func publicKeyFromScalar() throws {
    let key = try ECDSASigningKey(scalar: SecretBytes(rfc6979Scalar))
    #expect(key.publicKey.compressedRepresentation.hex == "03" + rfc6979X)
    #expect(key.publicKey.uncompressedRepresentation.hex == "04" + rfc6979X + rfc6979Y)
}

@Test("RFC 6979 signatures verify against the compressed and the uncompressed key", arguments: ecdsaVectors)
func rfc6979SignatureVerifies(_ vector: ECDSAVector) throws {
    for encoding in ["04" + rfc6979X + rfc6979Y, "03" + rfc6979X] {
        let key = try ECDSAVerifyingKey(sec1: [UInt8](hex: encoding))
        try key.verify(vector.signature, for: vector.message.utf8Bytes)
    }
}

@Test("an RFC 6979 signature with a flipped bit, or over a changed message, is refused", arguments: ecdsaVectors)
func rfc6979TamperingRefused(_ vector: ECDSAVector) throws {
    let key = try ECDSAVerifyingKey(sec1: [UInt8](hex: "03" + rfc6979X))
    let message = vector.message.utf8Bytes
    for index in [0, 31, 32, 63] {
        #expect(throws: CryptoError.authenticationFailure) {
            try key.verify(vector.signature.flippingBit(ofByte: index), for: message)
        }
    }
    #expect(throws: CryptoError.authenticationFailure) {
        try key.verify(vector.signature, for: message.flippingBit(ofByte: 0))
    }
    // The other public key (the point's negation) refuses it too.
    let negated = try ECDSAVerifyingKey(sec1: [UInt8](hex: "02" + rfc6979X))
    #expect(!negated.isValidSignature(vector.signature, for: message))
}

@Test("sign then verify round-trips; a flipped message or signature bit is refused")
func signVerifyRoundTrip() throws {
    let key = try ECDSASigningKey(scalar: SeededRandom(seed: [1]).bytes(32))
    let message = "coffer device identity".utf8Bytes
    let signature = try key.signature(for: message)
    #expect(signature.count == 64)
    try key.publicKey.verify(signature, for: message)
    let uncompressed = try ECDSAVerifyingKey(sec1: key.publicKey.uncompressedRepresentation)
    #expect(uncompressed == key.publicKey)
    try uncompressed.verify(signature, for: message)
    #expect(!key.publicKey.isValidSignature(signature, for: message.flippingBit(ofByte: 3)))
    #expect(!key.publicKey.isValidSignature(signature.flippingBit(ofByte: 40), for: message))
    #expect(try key.signature(for: []).count == 64)
}

@Test("private scalars that are zero, n, above n, or of the wrong length are refused")
func badScalarsRefused() throws {
    #expect(throws: CryptoError.invalidScalar) { try ECDSASigningKey(scalar: [UInt8](repeating: 0, count: 32)) }
    #expect(throws: CryptoError.invalidScalar) { try ECDSASigningKey(scalar: groupOrder) }
    #expect(throws: CryptoError.invalidScalar) { try ECDSASigningKey(scalar: [UInt8](repeating: 0xff, count: 32)) }
    for length in [0, 1, 31, 33, 64] {
        #expect(throws: CryptoError.invalidLength) { try ECDSASigningKey(scalar: [UInt8](repeating: 1, count: length)) }
    }
    var nMinusOne = groupOrder
    nMinusOne[31] -= 1
    _ = try ECDSASigningKey(scalar: nMinusOne)
    _ = try ECDSASigningKey(scalar: [UInt8](repeating: 0, count: 31) + [1])
}

@Test("malformed public keys are refused with typed errors")
func malformedPublicKeysRefused() {
    let x = [UInt8](hex: rfc6979X)
    let y = [UInt8](hex: rfc6979Y)
    for length in [0, 1, 32, 34, 64, 66] {
        #expect(throws: CryptoError.invalidLength) { try ECDSAVerifyingKey(sec1: [UInt8](repeating: 2, count: length)) }
    }
    let badPoints: [[UInt8]] = [
        [0x04] + x,  // uncompressed prefix on a compressed length
        [0x00] + x,
        [0x02] + x + y,  // compressed prefix on an uncompressed length
        [0x06] + x + y,  // hybrid form (libcrypto would accept it)
        [0x07] + x + y,
        [0x04] + x + y.flippingBit(ofByte: 31),  // off the curve
        [0x04] + [UInt8](repeating: 0, count: 64),
        [0x02] + [UInt8](repeating: 0xff, count: 32),  // x above p
    ]
    for bytes in badPoints {
        #expect(throws: CryptoError.invalidPoint) { try ECDSAVerifyingKey(sec1: bytes) }
    }
}

@Test("signatures of the wrong length, or with r or s zero or not below n, are refused")
func malformedSignaturesRefused() throws {
    let key = try ECDSAVerifyingKey(sec1: [UInt8](hex: "03" + rfc6979X))
    let vector = ecdsaVectors[0]
    let message = vector.message.utf8Bytes
    for length in [0, 63, 65, 72] {
        #expect(throws: CryptoError.invalidLength) {
            try key.verify([UInt8](repeating: 1, count: length), for: message)
        }
    }
    let s = [UInt8](hex: vector.s)
    let r = [UInt8](hex: vector.r)
    for signature in [
        [UInt8](repeating: 0, count: 32) + s, r + [UInt8](repeating: 0, count: 32), groupOrder + s, r + groupOrder,
    ] {
        #expect(throws: CryptoError.authenticationFailure) { try key.verify(signature, for: message) }
    }
}
