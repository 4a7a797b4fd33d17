import CofferCrypto
import OPAQUE

/// RFC 9807 files: each entry replays one registration and login (or a fake KE2 for an unknown
/// credential) from its `inputs` and compares every intermediate and output the file holds, in
/// the order the protocol produces them.
enum OPAQUEVectors {
    /// Fields this checker knows how to compute. Anything else in `intermediates` or `outputs` is
    /// reported rather than silently passed over.
    static let knownFields: Set<String> = [
        "auth_key", "client_mac_key", "client_public_key", "envelope", "handshake_secret", "masking_key", "oprf_key",
        "randomized_password", "server_mac_key", "KE1", "KE2", "KE3", "export_key", "registration_request",
        "registration_response", "registration_upload", "session_key",
    ]

    static func check(_ runs: [Any]) -> [VectorEntryResult] {
        runs.enumerated().map { index, run in
            let config = (try? JSONFields(run, field: "run").object("config")) ?? JSONFields([:])
            let fake = config.optionalString("Fake") == "True"
            let name = "[\(index)] \(config.optionalString("Name") ?? "?") \(config.optionalString("OPRF") ?? "?") "
                + (fake ? "fake KE2" : "registration + login")
            return runEntry(index: index, name: name) { () throws(VectorMismatch) in
                let fields = try JSONFields(run, field: "run")
                let config = try fields.object("config")
                let entry = try Entry(fields: fields)
                switch config.optionalString("OPRF") {
                case "ristretto255-SHA512":
                    try check(entry, fake: fake, suite: try ristretto255Suite(for: config), config: config)
                default:
                    // P-256's config check also reports any other OPRF as unsupported.
                    try check(entry, fake: fake, suite: try p256Suite(for: config), config: config)
                }
                for section in [entry.intermediates, entry.outputs] {
                    if let unknown = section.keys.sorted().first(where: { !knownFields.contains($0) }) {
                        throw VectorMismatch(field: unknown, reason: "not a field this checker can compute")
                    }
                }
            }
        }
    }

    /// The three sections of an entry; `expect` looks a field up in intermediates, then outputs.
    struct Entry {
        let inputs: JSONFields
        let intermediates: JSONFields
        let outputs: JSONFields
        let context: [UInt8]

        init(fields: JSONFields) throws(VectorMismatch) {
            inputs = try fields.object("inputs")
            intermediates = fields.has("intermediates") ? try fields.object("intermediates") : JSONFields([:])
            outputs = fields.has("outputs") ? try fields.object("outputs") : JSONFields([:])
            context = try fields.object("config").hex("Context")
        }

        func expect(_ key: String, _ actual: [UInt8]) throws(VectorMismatch) {
            try intermediates.expect(key, actual)
            try outputs.expect(key, actual)
        }

        func expect(_ key: String, _ actual: SecretBytes) throws(VectorMismatch) { try expect(key, actual.bytes) }
    }

    /// Checks the config's lengths against the suite, then runs the entry.
    private static func check<Suite: OPAQUECiphersuite>(_ entry: Entry, fake: Bool, suite: Suite,
                                                         config: JSONFields) throws(VectorMismatch) {
        let lengths = [("Nh", suite.hashLength), ("Nm", suite.macLength), ("Nx", suite.kdfLength),
                       ("Nok", suite.group.scalarLength), ("Nsk", suite.group.scalarLength),
                       ("Npk", suite.group.elementLength)]
        for (key, value) in lengths where config.has(key) && config.optionalString(key) != String(value) {
            throw VectorMismatch(field: "config.\(key)", reason: "expected \(value) for this suite")
        }
        if fake { try checkFake(entry, suite: suite) } else { try checkReal(entry, suite: suite) }
    }

    /// Every config field but the KSF must name exactly these.
    private static func requireConfig(_ config: JSONFields, _ required: [(String, String)]) throws(VectorMismatch) {
        for (key, value) in required where config.optionalString(key) != value {
            throw VectorMismatch(field: "config.\(key)", reason: "unsupported: \(config.optionalString(key) ?? "missing")")
        }
    }

    /// The P256-SHA256 suite a config names (KSF Identity or scrypt); anything else is unsupported.
    static func p256Suite(for config: JSONFields) throws(VectorMismatch) -> P256SHA256Suite {
        try requireConfig(config, [("Name", "3DH"), ("OPRF", "P256-SHA256"), ("Group", "P256_XMD:SHA-256_SSWU_RO_"),
                                   ("Hash", "SHA256"), ("KDF", "HKDF-SHA256"), ("MAC", "HMAC-SHA256")])
        switch config.optionalString("KSF") {
        case "Identity": return P256SHA256Suite(keyStretching: .identity)
        case "scrypt": return P256SHA256Suite(keyStretching: .scrypt)
        case let other: throw VectorMismatch(field: "config.KSF", reason: "unsupported: \(other ?? "missing")")
        }
    }

    /// The ristretto255-SHA512 suite a config names: KSF Identity (the RFC's vectors) or Argon2id,
    /// which means opaque-ke's parameters (`Argon2idParameters.opaqueKE`, zero salt, `Nh` bytes out).
    static func ristretto255Suite(for config: JSONFields) throws(VectorMismatch) -> Ristretto255SHA512Suite {
        try requireConfig(config, [("Name", "3DH"), ("OPRF", "ristretto255-SHA512"), ("Group", "ristretto255"),
                                   ("Hash", "SHA512"), ("KDF", "HKDF-SHA512"), ("MAC", "HMAC-SHA512")])
        switch config.optionalString("KSF") {
        case "Identity": return Ristretto255SHA512Suite(keyStretching: .identity)
        case "Argon2id": return Ristretto255SHA512Suite(keyStretching: .argon2id(.opaqueKE))
        case let other: throw VectorMismatch(field: "config.KSF", reason: "unsupported: \(other ?? "missing")")
        }
    }

    static func server<Suite: OPAQUECiphersuite>(_ entry: Entry, suite: Suite) throws(VectorMismatch)
        -> OPAQUEServer<Suite>
    {
        let inputs = entry.inputs
        let keyPair = try produce("server_public_key") {
            try OPAQUEKeyPair(privateKey: SecretBytes(try inputs.hex("server_private_key")), suite: suite)
        }
        try inputs.expect("server_public_key", keyPair.publicKey)
        let oprfSeed = SecretBytes(try inputs.hex("oprf_seed"))
        let serverIdentity = try inputs.optionalHex("server_identity")
        return try produce("oprf_seed") {
            try OPAQUEServer(suite: suite, context: entry.context, keyPair: keyPair, oprfSeed: oprfSeed,
                             serverIdentity: serverIdentity)
        }
    }
}
