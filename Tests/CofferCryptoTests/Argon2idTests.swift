import OPAQUE
import Testing

@testable import CofferCrypto

struct Argon2idVector: Sendable, CustomTestStringConvertible {
    let index: Int
    let password: String
    let passwordLength: Int
    let salt: String
    let outputLength: Int
    let iterations: UInt32
    let memoryBytes: Int
    let derived: String
    var testDescription: String { "libsodium pwhash_argon2id tv[\(index)] t=\(iterations) m=\(memoryBytes / 1024) KiB" }
}

/// libsodium's own known answers for crypto_pwhash with Argon2id (test/default/pwhash_argon2id.c `tv`, outputs
/// in pwhash_argon2id.exp): the password is the first `passwordLength` bytes of the hex, the salt its first 16
/// bytes, and libsodium takes memory in bytes, rounding down to KiB.
let argon2idVectors = [
    Argon2idVector(
        index: 0,
        password: "a347ae92bce9f80f6f595a4480fc9c2fe7e7d7148d371e9487d75f5c23008ffae0"
            + "65577a928febd9b1973a5a95073acdbeb6a030cfc0d79caa2dc5cd011cef02c08d"
            + "a232d76d52dfbca38ca8dcbd665b17d1665f7cf5fe59772ec909733b24de97d6f5"
            + "8d220b20c60d7c07ec1fd93c52c31020300c6c1facd77937a597c7a6",
        passwordLength: 127, salt: "5541fbc995d5c197ba290346d2c559dedf405cf97e5f95482143202f9e74f5c2",
        outputLength: 155, iterations: 5, memoryBytes: 7_256_678,
        derived: "18acec5d6507739f203d1f5d9f1d862f7c2cdac4f19d2bdff64487e60d969e3ced615337b9eec6ac4461c6ca07f0939741e5"
            + "7c24d0005c7ea171a0ee1e7348249d135b38f222e4dad7b9a033ed83f5ca27277393e316582033c74affe2566a2bea47f91f0f"
            + "d9fe49ece7e1f79f3ad6e9b23e0277c8ecc4b313225748dd2a80f5679534a0700e246a79a49b3f74eb89ec6205fe1eeb941c7"
            + "3b1fcf1"),
    Argon2idVector(
        index: 1,
        password: "e125cee61c8cb7778d9e5ad0a6f5d978ce9f84de213a8556d9ffe202020ab4a6ed"
            + "9074a4eb3416f9b168f137510f3a30b70b96cbfa219ff99f6c6eaffb15c06b60e0"
            + "0cc2890277f0fd3c622115772f7048adaebed86e",
        passwordLength: 86, salt: "f1192dd5dc2368b9cd421338b22433455ee0a3699f9379a08b9650ea2c126f0d",
        outputLength: 250, iterations: 4, memoryBytes: 7_849_083,
        derived: "26bab5f101560e48c711da4f05e81f5a3802b7a93d5155b9cab153069cc42b8e9f910bfead747652a0708d70e4de0bada372"
            + "18bd203a1201c36b42f9a269b675b1f30cfc36f35a3030e9c7f57dfba0d341a974c1886f708c3e8297efbfe411bb9d5137526"
            + "4bd7c70d57a8a56fc9de2c1c97c08776803ec2cd0140bba8e61dc0f4ad3d3d1a89b4b710af81bfe35a0eea193e18a6da0f5ec"
            + "05542c9eefc4584458e1da715611ba09617384748bd43b9bf1f3a6df4ecd091d0875e08d6e2fd8a5c7ce08904b5160cd3816"
            + "7b76ec76ef2d310049055a564da23d4ebd2b87e421cc33c401e12d5cd8d936c9baf75ebdfb557d342d2858fc781da31860"),
]

@Test("Argon2id matches libsodium's known answers", arguments: argon2idVectors)
func argon2idMatchesVector(_ vector: Argon2idVector) throws {
    let derived = try Argon2id.deriveKey(
        password: Array([UInt8](hex: vector.password).prefix(vector.passwordLength)),
        salt: Array([UInt8](hex: vector.salt).prefix(Argon2id.saltLength)),
        parameters: Argon2idParameters(iterations: vector.iterations, memoryKiB: UInt32(vector.memoryBytes / 1024)),
        outputLength: vector.outputLength)
    #expect(derived.hex == vector.derived)
}

/// opaque-ke's stretch: 64 bytes in, 64 bytes out, zero salt. One bit of input, one more pass or one KiB
/// less memory each give another output (the negative twins of the interop tests' parameters).
@Test("opaque-ke's Argon2id setting is deterministic and every parameter matters")
func argon2idParametersMatter() throws {
    let input = [UInt8](repeating: 0x5a, count: 64)
    let salt = Ristretto255SHA512Suite.argon2idSalt
    func derive(_ input: [UInt8], _ parameters: Argon2idParameters = .opaqueKE, salt: [UInt8] = salt) throws
        -> [UInt8]
    {
        try Argon2id.deriveKey(password: input, salt: salt, parameters: parameters, outputLength: 64)
    }
    let reference = try derive(input)
    #expect(reference.count == 64)
    #expect(try derive(input) == reference)
    #expect(try derive(input.flippingBit(ofByte: 63)) != reference)
    #expect(try derive(input, Argon2idParameters(iterations: 3, memoryKiB: 19456)) != reference)
    #expect(try derive(input, Argon2idParameters(iterations: 2, memoryKiB: 19455)) != reference)
    #expect(try derive(input, salt: salt.flippingBit(ofByte: 0)) != reference)
    let secret = try Argon2id.deriveKey(password: SecretBytes(input), salt: salt, outputLength: 64)
    #expect(secret.bytes == reference)
}

@Test("Argon2id refuses what libsodium cannot compute, before computing")
func argon2idRefusesBadParameters() {
    let salt = [UInt8](repeating: 0, count: 16)
    #expect(Argon2idParameters.opaqueKE == Argon2idParameters(iterations: 2, memoryKiB: 19456, parallelism: 1))
    #expect(throws: CryptoError.invalidLength) { try Argon2id.deriveKey(password: [], salt: [0, 1, 2, 3, 4, 5, 6, 7]) }
    #expect(throws: CryptoError.invalidLength) { try Argon2id.deriveKey(password: [], salt: salt, outputLength: 15) }
    for parameters in [Argon2idParameters(iterations: 0, memoryKiB: 19456),
                       Argon2idParameters(iterations: 2, memoryKiB: 7),
                       Argon2idParameters(iterations: 2, memoryKiB: 19456, parallelism: 4),
                       Argon2idParameters(iterations: 2, memoryKiB: Argon2id.defaultMemoryLimitKiB + 1)] {
        #expect(throws: CryptoError.invalidParameters) {
            try Argon2id.deriveKey(password: [1], salt: salt, parameters: parameters)
        }
    }
    #expect(throws: CryptoError.invalidParameters) {
        try Argon2id.deriveKey(password: [1], salt: salt, parameters: .opaqueKE, memoryLimitKiB: 19455)
    }
    // The empty password is a valid input (the pointer handed to libsodium must still be non-null).
    let cheapest = Argon2idParameters(iterations: 1, memoryKiB: 8)
    #expect((try? Argon2id.deriveKey(password: [], salt: salt, parameters: cheapest))?.count == 32)
}
