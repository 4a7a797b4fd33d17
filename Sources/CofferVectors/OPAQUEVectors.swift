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
                let suite = try suite(for: try fields.object("config"))
                let entry = try Entry(fields: fields)
                if fake { try checkFake(entry, suite: suite) } else { try checkReal(entry, suite: suite) }
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

    /// The suite a config names; anything but P256-SHA256 3DH is reported as unsupported.
    static func suite(for config: JSONFields) throws(VectorMismatch) -> P256SHA256Suite {
        let required = [("Name", "3DH"), ("OPRF", "P256-SHA256"), ("Group", "P256_XMD:SHA-256_SSWU_RO_"),
                        ("Hash", "SHA256"), ("KDF", "HKDF-SHA256"), ("MAC", "HMAC-SHA256")]
        for (key, value) in required where config.optionalString(key) != value {
            throw VectorMismatch(field: "config.\(key)", reason: "unsupported: \(config.optionalString(key) ?? "missing")")
        }
        let suite: P256SHA256Suite
        switch config.optionalString("KSF") {
        case "Identity": suite = P256SHA256Suite(keyStretching: .identity)
        case "scrypt": suite = P256SHA256Suite(keyStretching: .scrypt)
        case let other: throw VectorMismatch(field: "config.KSF", reason: "unsupported: \(other ?? "missing")")
        }
        let lengths = [("Nh", suite.hashLength), ("Nm", suite.macLength), ("Nx", suite.kdfLength),
                       ("Nok", suite.group.scalarLength), ("Nsk", suite.group.scalarLength),
                       ("Npk", suite.group.elementLength)]
        for (key, value) in lengths where config.has(key) && config.optionalString(key) != String(value) {
            throw VectorMismatch(field: "config.\(key)", reason: "expected \(value) for this suite")
        }
        return suite
    }

    static func server(_ entry: Entry, suite: P256SHA256Suite) throws(VectorMismatch) -> OPAQUEServer<P256SHA256Suite> {
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
