// `coffer-noop-crypto`: `coffer-noop` plus what no emulator can start without, to show where the floor
// of its start lies (issue 14): it links what the emulator links for its chip (CofferCrypto: OpenSSL 3
// and libsodium) and makes the first calls a booting chip makes (an HKDF derivation and a P-256 key),
// which is when OpenSSL 3 sets up its provider's algorithm tables (~3 ms of CPU on this machine).
import CofferCrypto

let secret = HKDF<SHA256>.extract(salt: [], ikm: [UInt8](repeating: 7, count: 32))
let scalar = try HKDF<SHA256>.expand(prk: secret, info: Array("coffer-noop-crypto".utf8), length: 32)
_ = try ECDSASigningKey(scalar: scalar)
