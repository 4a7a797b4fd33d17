import CofferCrypto
import Foundation
import OPAQUE

/// Hex for test data.
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// `bytes` with one bit flipped.
func flippingBit(_ bytes: [UInt8], at index: Int, bit: UInt8 = 0) -> [UInt8] {
    var copy = bytes
    copy[index] ^= 1 << bit
    return copy
}

/// The vector files shipped with the tests (a copy of ../shared/vectors).
enum VectorFiles {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Vectors") }

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }
            .sorted()
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// The real run of RFC 9807's P256-SHA256 vector (KSF Identity, context "OPAQUE-POC", no
/// identities), as a ready client and server, with every random input of the vector.
struct VectorScenario {
    let suite = P256SHA256Suite(keyStretching: .identity)
    let context = Array("OPAQUE-POC".utf8)
    let password = SecretBytes(Array("CorrectHorseBatteryStaple".utf8))
    let credentialIdentifier = Array("1234".utf8)
    let blindRegistration = SecretBytes(hex("411bf1a62d119afe30df682b91a0a33d777972d4f2daa4b34ca527d597078153"))
    let blindLogin = SecretBytes(hex("c497fddf6056d241e6cf9fb7ac37c384f49b357a221eb0a802c989b9942256c1"))
    let envelopeNonce = hex("a921f2a014513bd8a90e477a629794e89fec12d12206dde662ebdcf65670e51f")
    let clientNonce = hex("ab3d33bde0e93eda72392346a7a73051110674bbf6b1b7ffab8be4f91fdaeeb1")
    let clientKeyshareSeed = SecretBytes(hex("633b875d74d1556d2a2789309972b06db21dfcc4f5ad51d7e74d783b7cfab8dc"))
    let maskingNonce = hex("38fe59af0df2c79f57b8780278f5ae47355fe1f817119041951c80f612fdfc6d")
    let serverNonce = hex("71cd9960ecef2fe0d0f7494986fa3d8b2bb01963537e60efb13981e138e3d4a1")
    let serverKeyshareSeed = SecretBytes(hex("05a4f54206eef1ba2f615bc0aa285cb22f26d1153b5b40a1e85ff80da12f982f"))
    let oprfSeed = SecretBytes(hex("62f60b286d20ce4fd1d64809b0021dad6ed5d52a2c8cf27ae6582543a0a8dce2"))
    let serverPrivateKey = SecretBytes(hex("c36139381df63bfc91c850db0b9cfbec7a62e86d80040a41aa7725bf0e79d5e5"))

    var client: OPAQUEClient<P256SHA256Suite> { OPAQUEClient(suite: suite, context: context) }

    func server() throws -> OPAQUEServer<P256SHA256Suite> {
        try OPAQUEServer(suite: suite, context: context,
                         keyPair: try OPAQUEKeyPair(privateKey: serverPrivateKey, suite: suite), oprfSeed: oprfSeed)
    }

    /// Registers `password` and returns the stored record.
    func register(password: SecretBytes? = nil) throws -> RegistrationRecord<P256SHA256Suite> {
        let (request, state) = try client.createRegistrationRequest(password: password ?? self.password,
                                                                    blind: blindRegistration)
        let response = try server().createRegistrationResponse(request: request,
                                                              credentialIdentifier: credentialIdentifier)
        return try client.finalizeRegistrationRequest(state: state, response: response, envelopeNonce: envelopeNonce)
            .record
    }

    func ke1(password: SecretBytes? = nil) throws -> (KE1<P256SHA256Suite>, ClientLoginState<P256SHA256Suite>) {
        try client.generateKE1(password: password ?? self.password, blind: blindLogin, clientNonce: clientNonce,
                               clientKeyshareSeed: clientKeyshareSeed)
    }

    func ke2(_ ke1: KE1<P256SHA256Suite>, record: RegistrationRecord<P256SHA256Suite>) throws
        -> (KE2<P256SHA256Suite>, ServerLoginState)
    {
        try server().generateKE2(ke1: ke1, record: record, credentialIdentifier: credentialIdentifier,
                                 maskingNonce: maskingNonce, serverNonce: serverNonce,
                                 serverKeyshareSeed: serverKeyshareSeed)
    }
}
