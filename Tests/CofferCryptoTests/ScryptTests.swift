import OPAQUE
import Testing

@testable import CofferCrypto

struct ScryptVector: Sendable, CustomTestStringConvertible {
    let password: String
    let salt: String
    let parameters: ScryptParameters
    let derived: String
    var testDescription: String { "RFC 7914 §12 N=\(parameters.n) r=\(parameters.r) p=\(parameters.p)" }
}

/// RFC 7914 §12, the first three vectors (the N = 2^20 one needs 1 GiB and is left out).
let scryptVectors = [
    ScryptVector(
        password: "", salt: "", parameters: ScryptParameters(n: 16, r: 1, p: 1),
        derived: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
    ScryptVector(
        password: "password", salt: "NaCl", parameters: ScryptParameters(n: 1024, r: 8, p: 16),
        derived: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
    ScryptVector(
        password: "pleaseletmein", salt: "SodiumChloride", parameters: ScryptParameters(n: 16384, r: 8, p: 1),
        derived: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
            + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"),
]

@Test("scrypt matches RFC 7914 §12", arguments: scryptVectors)
func scryptMatchesVector(_ vector: ScryptVector) throws {
    let derived = try Scrypt.deriveKey(
        password: vector.password.utf8Bytes, salt: vector.salt.utf8Bytes, parameters: vector.parameters,
        outputLength: 64)
    #expect(derived.hex == vector.derived)
}

@Test("a flipped password or salt bit, or another N, changes scrypt's output", arguments: scryptVectors)
func scryptFlippedBitChangesOutput(_ vector: ScryptVector) throws {
    let password = vector.password.utf8Bytes
    let salt = vector.salt.utf8Bytes
    // Not [0x00]: HMAC zero-pads its key, so an empty password and a single zero byte are the same key.
    let changedPassword = password.isEmpty ? [0x01] : password.flippingBit(ofByte: 0)
    let changedSalt = salt.isEmpty ? [0x00] : salt.flippingBit(ofByte: salt.count - 1)
    var changedCost = vector.parameters
    changedCost.n *= 2
    for (p, s, parameters) in [
        (changedPassword, salt, vector.parameters), (password, changedSalt, vector.parameters),
        (password, salt, changedCost),
    ] {
        let derived = try Scrypt.deriveKey(password: p, salt: s, parameters: parameters, outputLength: 64)
        #expect(derived.hex != vector.derived)
    }
}

@Test("the secret-bytes form derives what the array form derives, and output length is a prefix")
func scryptSecretForm() throws {
    let parameters = ScryptParameters(n: 16, r: 1, p: 1)
    let secret = try Scrypt.deriveKey(
        password: SecretBytes("pw".utf8Bytes), salt: [1], parameters: parameters, outputLength: 40)
    let plain = try Scrypt.deriveKey(password: "pw".utf8Bytes, salt: [1], parameters: parameters, outputLength: 64)
    #expect(secret.bytes == Array(plain.prefix(40)))
}

@Test("Coffer's default is N=32768, r=8, p=1 with 32 bytes of output, within the default memory limit")
func scryptCofferDefault() throws {
    #expect(ScryptParameters.coffer == ScryptParameters(n: 32768, r: 8, p: 1))
    #expect(ScryptParameters.coffer.memoryRequired! <= Scrypt.defaultMemoryLimit)
    let derived = try Scrypt.deriveKey(password: "correct horse".utf8Bytes, salt: "coffer".utf8Bytes)
    #expect(derived.count == 32)
    #expect(derived != (try Scrypt.deriveKey(password: "correct horsf".utf8Bytes, salt: "coffer".utf8Bytes)))
}

@Test("invalid cost parameters, too much memory and bad output lengths are refused with typed errors")
func scryptRefusesBadParameters() {
    let invalid = [
        ScryptParameters(n: 0, r: 8, p: 1), ScryptParameters(n: 1, r: 8, p: 1), ScryptParameters(n: 1000, r: 8, p: 1),
        ScryptParameters(n: 16, r: 0, p: 1), ScryptParameters(n: 16, r: 1, p: 0),
        ScryptParameters(n: 1 << 16, r: 1, p: 1),  // N must be below 2^(16·r)
        ScryptParameters(n: 16, r: 1 << 15, p: 1 << 15),  // r·p ≥ 2^30
        ScryptParameters(n: 1 << 62, r: 8, p: 1),  // memory overflows 64 bits
    ]
    for parameters in invalid {
        #expect(throws: CryptoError.invalidParameters) {
            try Scrypt.deriveKey(password: [1], salt: [2], parameters: parameters)
        }
    }
    #expect(throws: CryptoError.invalidParameters) {
        try Scrypt.deriveKey(password: [1], salt: [2], parameters: .coffer, memoryLimit: 16 << 20)
    }
    #expect(throws: CryptoError.invalidParameters) {
        try Scrypt.deriveKey(password: [1], salt: [2], parameters: ScryptParameters(n: 1 << 22, r: 8, p: 1))
    }
    for length in [0, -1] {
        #expect(throws: CryptoError.invalidLength) {
            try Scrypt.deriveKey(
                password: [1], salt: [2], parameters: ScryptParameters(n: 16, r: 1, p: 1), outputLength: length)
        }
    }
}
