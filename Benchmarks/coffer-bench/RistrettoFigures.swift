import CofferCrypto
import OPAQUE

/// The ristretto255-SHA512 suite (issue 11): server logins per CPU-second beside the floor libsodium
/// sets in the same run, and the client's Argon2id stretch beside libsodium's crypto_pwhash alone.
///
/// A server login needs 5 scalar multiplications, as with P-256: 4 of arbitrary elements (the OPRF
/// evaluation of the blinded element, and 3DH's three: the client's key share by the server's
/// ephemeral and static keys, the client's static key by the server's ephemeral) and 1 of the
/// generator (the server's key share). The floor is
/// 1 / (4 · t(crypto_scalarmult_ristretto255) + 1 · t(crypto_scalarmult_ristretto255_base)),
/// both timed here through the group's thin wrappers.
///
/// The floor and the logins are timed in alternating batches, so that both sides of the ratio see
/// the same machine: on a shared machine, load that comes and goes between two long spans moved
/// this ratio by ±10 % from run to run.
struct RistrettoFigures {
    let iterations: Int
    /// Batches per side; each batch runs `iterations / rounds` operations.
    var rounds = 10

    func run() throws -> [Measurement] {
        let group = Ristretto255()
        let random = SeededRandom(seed: Array("coffer-bench/ristretto".utf8))
        let scalar = try group.deserializeScalar(blindScalar(group: group, random: random).bytes)
        let element = try group.multiplyGenerator(by: scalar)
        let logins = try ServerLogins(suite: Ristretto255SHA512Suite(keyStretching: .identity))
        let batch = max(1, iterations / rounds)
        var variableBaseNanoseconds: UInt64 = 0, fixedBaseNanoseconds: UInt64 = 0, loginNanoseconds: UInt64 = 0
        for _ in 0..<rounds {
            var start = threadCPUNanoseconds()
            for _ in 0..<batch { _ = try group.multiply(element, by: scalar) }
            variableBaseNanoseconds += threadCPUNanoseconds() - start
            start = threadCPUNanoseconds()
            for _ in 0..<batch { _ = try group.multiplyGenerator(by: scalar) }
            fixedBaseNanoseconds += threadCPUNanoseconds() - start
            loginNanoseconds += try logins.run(batch)
        }
        let count = Double(batch * rounds)
        let floor = 1e9 / ((4 * Double(variableBaseNanoseconds) + Double(fixedBaseNanoseconds)) / count)
        let loginsPerSecond = count / (Double(loginNanoseconds) / 1e9)

        // The client's stretch as OPAQUE runs it (the suite's KSF on a 64-byte OPRF output) against
        // crypto_pwhash with the same parameters, salt and output length called directly.
        let suite = Ristretto255SHA512Suite()
        let input = random.bytes(64)
        let stretches = 10
        var start = threadCPUNanoseconds()
        for _ in 0..<stretches { _ = try suite.stretch(input) }
        let stretch = Double(threadCPUNanoseconds() - start) / Double(stretches)
        start = threadCPUNanoseconds()
        for _ in 0..<stretches {
            _ = try Argon2id.deriveKey(
                password: input, salt: [UInt8](repeating: 0, count: Argon2id.saltLength), outputLength: 64)
        }
        let pwhash = Double(threadCPUNanoseconds() - start) / Double(stretches)

        return [
            Measurement(
                name: "ristretto255 server logins", value: loginsPerSecond, unit: "logins/s", target: 0.8,
                reference: .measured(name: "libsodium: 1/(4 scalarmult + 1 base)", value: floor)),
            Measurement(
                name: "argon2id client stretches", value: 1e9 / stretch, unit: "stretches/s", target: 0.9,
                reference: .measured(name: "crypto_pwhash alone, same parameters", value: 1e9 / pwhash)),
        ]
    }
}
