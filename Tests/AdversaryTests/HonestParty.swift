import OPAQUE

/// One honest client, its own credential, password and backup key, all drawn from a seed.
struct HonestParty: Sendable {
    let credentialID: [UInt8]
    let password: [UInt8]
    let backupKey: [UInt8]
    let generator: SeededGenerator

    init(name: String, generator: inout SeededGenerator) {
        credentialID = Array(name.utf8)
        password = Array(("pw-" + generator.bytes(12).map { String($0, radix: 16) }.joined()).utf8)
        backupKey = generator.bytes(32)
        self.generator = generator.split()
    }

    /// A client of the device on `port` (channel opened), with this party's secrets.
    func client(port: UInt16) throws -> HonestVaultClient {
        var generator = generator
        let channel = try PatientChannel(port: port, generator: generator.split())
        return HonestVaultClient(
            channel: channel, credentialID: credentialID, password: SecretBytes(password), generator: generator)
    }
}
