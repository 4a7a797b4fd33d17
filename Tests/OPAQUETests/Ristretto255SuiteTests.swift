import CofferCrypto
import CofferVectors
import Foundation
import OPAQUE
import Testing

/// The ristretto255-SHA512 suite inside OPAQUE: its vector files with their negative twins, the
/// Argon2id and empty-context configs the checker accepts, message sizes, and a login in memory.
@Suite("ristretto255-SHA512 suite")
struct Ristretto255SuiteTests {
    @Test("every entry of every ristretto255 vector file passes", arguments: SuiteVectorFiles.names)
    func everyEntryPasses(name: String) throws {
        let report = try VectorChecker.check(fileAt: SuiteVectorFiles.path(name))
        #expect(!report.entries.isEmpty)
        for entry in report.entries { #expect(entry.isOK, "\(name): \(entry)") }
    }

    @Test("the ristretto255 vector files are expand_message_xmd, OPRF and OPAQUE files")
    func suiteFilesCoverTheirKinds() throws {
        #expect(SuiteVectorFiles.names.count == 4)
        let kinds = try Set(SuiteVectorFiles.names.map {
            try VectorChecker.check(fileAt: SuiteVectorFiles.path($0)).kind
        })
        #expect(kinds == [.expandMessageXMD, .oprf, .opaque])
    }

    /// One edited value per file makes exactly that entry fail, on exactly that field.
    @Test("an edited copy of a ristretto255 vector file fails at the edited entry and field", arguments: [
        ("expand-message-xmd-SHA512-38.json", "uniform_bytes", 7),
        ("expand-message-xmd-SHA512-38.json", "msg_prime", 1),
        ("oprf-ristretto255-SHA512.json", "BlindedElement", 0),
        ("oprf-ristretto255-SHA512.json", "Output", 1),
        ("opaque-3dh-ristretto255-SHA512.json", "randomized_password", 0),
        ("opaque-3dh-ristretto255-SHA512.json", "KE2", 1),
        ("opaque-3dh-ristretto255-SHA512.json", "session_key", 0),
        ("opaque-3dh-ristretto255-SHA512-Argon2id-opaque-ke.json", "registration_upload", 1),
        ("opaque-3dh-ristretto255-SHA512-Argon2id-opaque-ke.json", "export_key", 0),
    ])
    func editedCopyIsReported(name: String, field: String, entryIndex: Int) throws {
        let original = try String(contentsOfFile: SuiteVectorFiles.path(name), encoding: .utf8)
        let report = try VectorChecker.check(json: Data(try flipFirstHexDigit(of: field, occurrence: entryIndex,
                                                                              in: original).utf8))
        let failures = report.entries.filter { !$0.isOK }
        #expect(failures.count == 1)
        let failure = try #require(failures.first)
        #expect(failure.index == entryIndex)
        #expect(failure.mismatch?.field == field, "\(failure)")
    }

    @Test("Argon2id and an empty context are accepted for ristretto255, and checked")
    func argon2idConfigIsChecked() throws {
        let name = "opaque-3dh-ristretto255-SHA512-Argon2id-opaque-ke.json"
        let original = try String(contentsOfFile: SuiteVectorFiles.path(name), encoding: .utf8)
        #expect(original.contains(#""Context": """#) && original.contains(#""KSF": "Argon2id""#))
        #expect(try VectorChecker.check(json: Data(original.utf8)).allPassed)
        // The same registrations stretched with Identity no longer reproduce opaque-ke's record.
        let identity = try VectorChecker.check(json: Data(original.replacingOccurrences(
            of: #""KSF": "Argon2id""#, with: #""KSF": "Identity""#).utf8))
        #expect(identity.entries.allSatisfy { $0.mismatch?.field == "masking_key" })
        // scrypt is P-256's KSF; for ristretto255 it is reported, not guessed at.
        let scrypt = try VectorChecker.check(json: Data(original.replacingOccurrences(
            of: #""KSF": "Argon2id""#, with: #""KSF": "scrypt""#).utf8))
        #expect(scrypt.entries.allSatisfy { $0.mismatch?.field == "config.KSF" })
        let wrongHash = try VectorChecker.check(json: Data(original.replacingOccurrences(
            of: #""KDF": "HKDF-SHA512""#, with: #""KDF": "HKDF-SHA256""#).utf8))
        #expect(wrongHash.entries.allSatisfy { $0.mismatch?.field == "config.KDF" })
    }

    @Test("message sizes of ristretto255-SHA512 (RFC 9807 §6.1 with Noe = Npk = 32, Nh = Nm = 64)")
    func messageSizes() throws {
        let run = try Ristretto255Run(suite: Ristretto255SHA512Suite(keyStretching: .identity))
        #expect(run.request.serialize().count == 32)
        #expect(run.response.serialize().count == 64)
        #expect(run.registration.record.serialize().count == 192)
        #expect(run.ke1.serialize().count == 96)
        #expect(run.ke2.serialize().count == 320)
        let login = try run.login
        #expect(login.ke3.serialize().count == 64)
        #expect(login.sessionKey.count == 64 && login.exportKey.count == 64)
    }

    @Test("a login with opaque-ke's Argon2id agrees; a wrong password fails at the client")
    func argon2idLogin() throws {
        let suite = Ristretto255SHA512Suite()
        let run = try Ristretto255Run(suite: suite)
        let login = try run.login
        #expect(try run.server.finish(state: run.serverState, ke3: login.ke3) == login.sessionKey)
        #expect(login.exportKey == run.registration.exportKey)
        let wrong = try Ristretto255Run(suite: suite, loginPassword: "CorrectHorseBatteryStapler")
        #expect(wrong.loginError == .envelopeRecoveryError)
    }

    /// Replaces the first hex digit of the `occurrence`-th `"field": "..."` value with another digit.
    private func flipFirstHexDigit(of field: String, occurrence: Int, in text: String) throws -> String {
        var searchStart = text.startIndex
        var found: Range<String.Index>?
        for _ in 0...occurrence {
            guard let next = text[searchStart...].firstRange(of: "\"\(field)\": \"") else {
                throw VectorMismatch(field: field, reason: "the file has no occurrence \(occurrence)")
            }
            found = next
            searchStart = found!.upperBound
        }
        let index = try #require(found).upperBound
        var edited = text
        edited.replaceSubrange(index...index, with: text[index] == "0" ? "1" : "0")
        return edited
    }
}

/// A registration and a login between a Coffer client and a Coffer server on one suite, with fresh
/// random inputs; the login's outcome is kept whether it succeeds or not.
struct Ristretto255Run {
    let server: OPAQUEServer<Ristretto255SHA512Suite>
    let request: RegistrationRequest<Ristretto255SHA512Suite>
    let response: RegistrationResponse<Ristretto255SHA512Suite>
    let registration: ClientRegistrationResult<Ristretto255SHA512Suite>
    let ke1: KE1<Ristretto255SHA512Suite>
    let ke2: KE2<Ristretto255SHA512Suite>
    let serverState: ServerLoginState
    private let outcome: Result<ClientLoginResult<Ristretto255SHA512Suite>, OPAQUEError>

    var login: ClientLoginResult<Ristretto255SHA512Suite> { get throws { try outcome.get() } }
    var loginError: OPAQUEError? { if case .failure(let error) = outcome { error } else { nil } }

    init(suite: Ristretto255SHA512Suite, password: String = "CorrectHorseBatteryStaple",
         loginPassword: String? = nil) throws {
        let random = SystemRandom()
        let context = Ristretto255SHA512Suite.opaqueKEContext
        let client = OPAQUEClient(suite: suite, context: context)
        server = try OPAQUEServer(suite: suite, context: context,
                                  keyPair: try OPAQUEKeyPair(privateKey: randomScalar(suite, random), suite: suite),
                                  oprfSeed: SecretBytes(random.bytes(64)))
        let id = Array("alice".utf8)
        let (request, state) = try client.createRegistrationRequest(password: SecretBytes(Array(password.utf8)),
                                                                    blind: randomScalar(suite, random))
        self.request = request
        response = try server.createRegistrationResponse(request: request, credentialIdentifier: id)
        registration = try client.finalizeRegistrationRequest(state: state, response: response,
                                                              envelopeNonce: random.bytes(32))
        let (ke1, loginState) = try client.generateKE1(
            password: SecretBytes(Array((loginPassword ?? password).utf8)), blind: randomScalar(suite, random),
            clientNonce: random.bytes(32), clientKeyshareSeed: SecretBytes(random.bytes(32)))
        self.ke1 = ke1
        (ke2, serverState) = try server.generateKE2(
            ke1: try KE1.deserialize(ke1.serialize(), suite: suite),
            record: try RegistrationRecord.deserialize(registration.record.serialize(), suite: suite),
            credentialIdentifier: id, maskingNonce: random.bytes(32), serverNonce: random.bytes(32),
            serverKeyshareSeed: SecretBytes(random.bytes(32)))
        let ke2 = self.ke2
        outcome = Result { () throws(OPAQUEError) in
            try client.generateKE3(state: loginState, ke2: try KE2.deserialize(ke2.serialize(), suite: suite))
        }
    }
}

/// A uniformly random non-zero scalar below L: 64 random bytes reduced, as RFC 9497 §4.1 RandomScalar.
func randomScalar(_ suite: Ristretto255SHA512Suite, _ random: SystemRandom) throws -> SecretBytes {
    SecretBytes(suite.group.serialize(try suite.group.reduceScalar(random.bytes(64))))
}

/// The ristretto255-SHA512 vector files, read from the source tree (Tests/InteropTests/vectors, whose README
/// says why they are not among the bundled P-256 files).
enum SuiteVectorFiles {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("InteropTests/vectors")
    }

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }
            .sorted()
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
