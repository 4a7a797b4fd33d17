import CofferCrypto
import CofferFirmware

/// How big a one-key proof is, and what a member spends on it, in a record tree of `leaves` leaves: the
/// agent sends a proof pruned to the keys of a batch, and the member decodes it, checks its root
/// against its tail root, then applies the batch's change and hashes the new root. Keys are SHA-256
/// outputs, as the tree's HMAC keys look. Timed on thread CPU over `samples` keys of the tree; the
/// agent's pruning is not timed.
struct RealmProofSizes {
    let leaves: Int
    let samples: Int

    private typealias Engine = OpenSSLCryptoEngine<P256SHA256Suite>

    /// The proof bytes (mean over the samples, against one CTAPHID message) and the member's check +
    /// apply rate, against a third of P-256 ECDHs per second: a KE2 costs at least three P-256
    /// multiplications (the OPRF evaluation and 3DH's), so at ratio ≥ 1 a proof costs less than the
    /// KE2 it gates.
    func run() throws -> [Measurement] {
        let engine = Engine(suite: P256SHA256Suite())
        var tree = RecordTree()
        func key(_ index: Int) -> RecordKey {
            RecordKey(engine.sha256(Array("coffer-bench/proof/\(index)".utf8)))!
        }
        for index in 0..<leaves { try tree.upsert(key(index), valueHash: engine.sha256([UInt8(truncatingIfNeeded: index)])) }
        let root = tree.rootHash(engine)
        var bytes = 0
        var cpu: UInt64 = 0
        let stride = max(1, leaves / samples)
        for sample in 0..<samples {
            let touched = key((sample * stride) % leaves)
            let proof = tree.pruned(covering: [touched], engine: engine).encoded()
            bytes += proof.count
            let start = threadCPUNanoseconds()
            var received = try RecordTree(decoding: proof)
            guard received.rootHash(engine) == root else { throw BenchFailure("a proof does not match its root") }
            try received.upsert(touched, valueHash: engine.sha256(proof))
            let after = received.rootHash(engine)
            cpu += threadCPUNanoseconds() - start
            guard after != root else { throw BenchFailure("a change left the root as it was") }
        }
        let meanBytes = Double(bytes) / Double(samples)
        return [
            Measurement(
                name: "realm one-key proof, tree of \(leaves) leaves", value: meanBytes, unit: "bytes", target: 0.2,
                better: "lower",
                reference: .measured(name: "one CTAPHID message (7609 bytes)", value: Double(RealmLinkLimits.maxMessageLength))),
            Measurement(
                name: "realm member proof check + apply, tree of \(leaves) leaves",
                value: Double(samples) / (Double(cpu) / 1e9), unit: "proofs/s", target: 1,
                reference: .openssl("ecdhp256", divisor: 3)),
        ]
    }
}
