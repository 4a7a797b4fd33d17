import CofferCrypto
import CofferProtocol
import Foundation
import OPAQUE

/// One step of the demo as it happened.
public struct DemoEvent: Sendable, Codable, Equatable {
    /// Short name of the step ("register", "guess", ...).
    public let step: String
    /// What happened, in a sentence.
    public let text: String
    /// The figure the step shows (attempts remaining, bytes), when it has one.
    public let value: Int?
}

/// Why the demo could not tell its story.
public enum DemoError: Error, Equatable, Sendable {
    /// A step came out otherwise than the story says.
    case unexpected(step: String, detail: String)
}

extension DemoError: CofferFailure {
    public var exitStatus: ExitStatus { .failure }
    public var message: String {
        switch self {
        case .unexpected(let step, let detail): "demo step '\(step)' went wrong: \(detail)"
        }
    }
}

/// The whole story on one device: a backup key is made, a backup encrypted with it, the key parked
/// in the vault under a password and recovered; then wrong guesses count down until the device
/// destroys the key, after which even the right password opens nothing.
public struct DemoStory {
    /// The id the demo registers (with a random suffix on a device that outlives the demo).
    public let credentialID: String
    /// The record's guess limit.
    public let attemptLimit: UInt8
    private let client: VaultClient
    private let tell: (DemoEvent) -> Void

    static let password = "correct horse battery staple"

    /// A story told on the device behind `client`; each event goes to `tell` as it happens.
    public init(client: VaultClient, credentialID: String, attemptLimit: UInt8, tell: @escaping (DemoEvent) -> Void) {
        self.client = client
        self.credentialID = credentialID
        self.attemptLimit = attemptLimit
        self.tell = tell
    }

    /// Runs every step; throws at the first that does not go as the story says.
    public func run() throws {
        let device = try client.verifiedDevice()
        say("device", "device \(VaultError.serialText(device.info.serial)) (\(client.transport.deviceName)), "
            + "identity key \(Hex.encode(device.info.identityPublicKey.prefix(8)))…")
        let workspace = try DemoWorkspace()
        let key = BackupKey.generate()
        // A fingerprint, not a prefix of the key: the demo shows that a key exists, never any of it.
        let fingerprint = key.withUnsafeBytes { Hex.encode(SHA256.hash(Array($0)).prefix(4)) }
        say("keygen", "made a 256-bit backup key (SHA-256 fingerprint \(fingerprint))")

        let sample = workspace.path("chat-history.txt")
        let backup = workspace.path("chat-history.coffer")
        let restored = workspace.path("chat-history.restored.txt")
        let plaintext = DemoStory.sampleHistory()
        try workspace.write(plaintext, to: sample)
        try BackupFile.encrypt(input: sample, output: backup, key: key, options: BackupOptions(durable: false))
        say("encrypt", "encrypted a \(plaintext.count)-byte chat history into a backup file",
            value: BackupFormat.sealedSize(plaintextSize: plaintext.count))

        let id = Array(credentialID.utf8)
        let limit = try client.register(id: id, password: secret(DemoStory.password), backupKey: key,
                                        attemptLimit: attemptLimit)
        say("register", "parked the key in the vault as '\(credentialID)' under a password, guess limit \(limit)",
            value: Int(limit))

        let recovered = try client.recover(id: id, password: secret(DemoStory.password))
        guard recovered == key else { throw DemoError.unexpected(step: "recover", detail: "a different key came back") }
        say("recover", "recovered the key with the right password: it matches")

        try BackupFile.decrypt(input: backup, output: restored, key: recovered, options: BackupOptions(durable: false))
        guard try workspace.read(restored) == plaintext else {
            throw DemoError.unexpected(step: "decrypt", detail: "the restored file differs")
        }
        say("decrypt", "restored the backup with the recovered key: identical to the original", value: plaintext.count)

        try guessUntilDestroyed(id: id, limit: Int(limit))

        do {
            _ = try client.recover(id: id, password: secret(DemoStory.password))
            throw DemoError.unexpected(step: "after", detail: "the right password still opened the record")
        } catch VaultError.keyDestroyed {
            say("after", "the right password no longer opens anything: the key is gone for good")
        }
    }

    private func guessUntilDestroyed(id: [UInt8], limit: Int) throws {
        for guess in 1...limit {
            do {
                _ = try client.recover(id: id, password: secret("wrong guess \(guess)"))
                throw DemoError.unexpected(step: "guess", detail: "a wrong password opened the record")
            } catch VaultError.wrongPassword(let remaining) {
                say("guess", "guess \(guess): wrong password, " + DemoStory.remaining(remaining),
                    value: remaining.map(Int.init))
            } catch VaultError.keyDestroyed(justNow: true) {
                guard guess == limit else {
                    throw DemoError.unexpected(step: "guess", detail: "destroyed after \(guess) of \(limit) guesses")
                }
                say("destroyed", "guess \(guess): wrong password, no attempts left: the device destroyed the key",
                    value: 0)
                return
            }
        }
        throw DemoError.unexpected(step: "guess", detail: "\(limit) wrong guesses did not destroy the key")
    }

    static func remaining(_ count: UInt8?) -> String {
        guard let count else { return "attempts remaining unknown" }
        return count == 1 ? "1 attempt remaining" : "\(count) attempts remaining"
    }

    private func say(_ step: String, _ text: String, value: Int? = nil) {
        tell(DemoEvent(step: step, text: text, value: value))
    }

    private func secret(_ text: String) -> SecretBytes {
        SecretBytes(Array(text.utf8))
    }

    /// A few hundred KiB of made-up chat lines, several backup chunks' worth.
    static func sampleHistory() -> [UInt8] {
        var text = ""
        for line in 0..<6000 {
            let day = String(format: "%02d", line % 28 + 1)
            text += "2025-01-\(day) alice: message \(line) about the backup key vault\n"
        }
        return Array(text.utf8)
    }
}

/// A private temporary directory for the demo's files, removed with them at the end.
final class DemoWorkspace {
    let directory: String

    init() throws(BackupError) {
        var template = Array((NSTemporaryDirectory() + "/coffer-demo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw .io(path: NSTemporaryDirectory(), operation: "make a temporary directory", reason: OpenFile.reason())
        }
        directory = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func write(_ bytes: [UInt8], to path: String) throws(BackupError) {
        let privateFile: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: privateFile) else {
            throw .io(path: path, operation: "write", reason: "cannot create the file")
        }
    }

    func read(_ path: String) throws(BackupError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, operation: "read", reason: "cannot read the file")
        }
        return [UInt8](data)
    }
}
