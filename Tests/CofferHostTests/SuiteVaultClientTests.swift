import CTAPHID
import CofferCrypto
import CofferEmulator
import CofferProtocol
import CofferTestSupport
import OPAQUE
import Testing
@testable import CofferHost

/// Passes everything through, but rewrites the suite byte (GetInfo's last) of ok GetInfo replies:
/// what a relay could do, since the byte is not signed.
private final class SuiteRewritingTransport: DeviceTransport {
    let inner: any DeviceTransport
    let suite: UInt8

    init(_ inner: any DeviceTransport, suite: UInt8) {
        self.inner = inner
        self.suite = suite
    }

    var deviceName: String { inner.deviceName }
    var channelInfo: CTAPHIDInitResponse { inner.channelInfo }

    func request(_ command: CTAPHIDCommand, payload: [UInt8]) throws(DeviceError) -> [UInt8] {
        var reply = try inner.request(command, payload: payload)
        if command.rawValue == VaultOperation.getInfo.rawValue, reply.first == VaultStatus.ok.rawValue {
            reply[reply.count - 2] = suite  // the suite, then the device kind
        }
        return reply
    }
}

/// VaultClient follows the suite GetInfo reports, with no option, and refuses a suite it cannot use.
@Suite struct SuiteVaultClientTests {
    let directory = TemporaryDirectory()

    /// A ristretto255 device in a state directory, made as `coffer-emulator init --suite` makes it.
    private func ristrettoDevice() throws -> any DeviceTransport {
        let settings = EmulatorSettings(
            stateDirectory: StateDirectory(path: directory.file("state")), seed: [7], suite: .ristretto255SHA512)
        #expect(try Emulator.initialise(settings).suite == "ristretto255-sha512")
        return try DeviceConnector.open(.embedded(stateDirectory: directory.file("state")))
    }

    @Test("the client follows a ristretto255 device: register, recover, wrong guesses to destruction")
    func followsRistretto() throws {
        let client = VaultClient(
            transport: try ristrettoDevice(), pins: nil, random: SeededRandom(seed: [3]),
            ristretto255Suite: Ristretto255SHA512Suite(keyStretching: .identity))
        #expect(try client.verifiedDevice().info.suite == .ristretto255SHA512)
        let key = BackupKey.generate(random: SeededRandom(seed: [4]))
        let id = Array("alice".utf8)
        let password = SecretBytes(Array("pw".utf8))
        #expect(try client.register(id: id, password: password, backupKey: key, attemptLimit: 2) == 2)
        #expect(try client.recover(id: id, password: password) == key)
        #expect(throws: VaultError.wrongPassword(attemptsRemaining: 1)) {
            try client.recover(id: id, password: SecretBytes(Array("no".utf8)))
        }
        #expect(throws: VaultError.keyDestroyed(justNow: true)) {
            try client.recover(id: id, password: SecretBytes(Array("no".utf8)))
        }
    }

    @Test("a suite byte rewritten to the other suite leaves an AKE key that does not decode: refused")
    func rewrittenSuiteIsRefused() throws {
        let p256 = try DeviceConnector.open(.embedded(stateDirectory: nil))
        let toRistretto = VaultClient(
            transport: SuiteRewritingTransport(p256, suite: VaultSuite.ristretto255SHA512.rawValue), pins: nil)
        let key = SecretBytes([UInt8](repeating: 0, count: 32))
        #expect(throws: VaultError.malformedReply(.getInfo)) {
            try toRistretto.register(id: [1], password: SecretBytes([2]), backupKey: key, attemptLimit: nil)
        }
        let toP256 = VaultClient(
            transport: SuiteRewritingTransport(try ristrettoDevice(), suite: VaultSuite.p256SHA256.rawValue), pins: nil)
        #expect(throws: VaultError.malformedReply(.getInfo)) {
            try toP256.recover(id: [1], password: SecretBytes([2]))
        }
    }

    @Test("a suite this client does not know is refused by number, with exit status 1")
    func unknownSuiteIsRefused() throws {
        let client = VaultClient(
            transport: SuiteRewritingTransport(try DeviceConnector.open(.embedded(stateDirectory: nil)), suite: 0x7F),
            pins: nil)
        #expect(throws: VaultError.unsupportedSuite(0x7F)) { try client.recover(id: [1], password: SecretBytes([2])) }
        #expect(VaultError.unsupportedSuite(0x7F).message.contains("suite 127"))
        #expect(VaultError.unsupportedSuite(0x7F).exitStatus == .failure)
    }
}
