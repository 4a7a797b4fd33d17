// The constant-time check (the "ctgrind" technique): run a secret-handling operation under valgrind's
// memcheck with the secret bytes marked undefined. memcheck reports every conditional jump and every
// memory address that depends on undefined bytes, so a branch or a table index on the secret becomes an
// error. `coffer-ctgrind OPERATION` runs one operation and prints the number of errors memcheck counted
// during it (the count of the whole process includes the Swift runtime's start-up, which is not ours).
//
// Operations: `scalar-mult` (P-256 k·P, k secret), `generator-mult` (k·G), `aes` (AES-256 key
// expansion and one block, key and block secret), `aes-gcm` (seal, key and plaintext secret),
// `hash-to-curve` (the input secret), `hkdf` (input key and salt secret), `aes-kwp` (RFC 5649 wrap of a
// secret key under a secret KEK, and the inverse cipher that unwrapping runs), `ecdsa-sign` (ECDSA P-256's
// signing equations, r = x(k·G) mod n and s = k⁻¹(e + r·d), nonce k and key d secret; RFC 6979's nonce
// derivation is HMAC, checked under `hkdf`), `branchy` (a negative control that branches and indexes on
// its secret, which memcheck must flag).

import CValgrindShim
@_spi(ConstantTimeCheck) import CofferPureCrypto

#if canImport(Glibc)
import Glibc
#endif

/// A secret of `count` bytes that memcheck treats as undefined from here on.
func secret(_ count: Int, seed: UInt8) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count { bytes[i] = seed &+ UInt8(truncatingIfNeeded: i &* 29) }
    bytes.withUnsafeBytes { coffer_valgrind_mark_secret($0.baseAddress, $0.count) }
    return bytes
}

/// Makes a result defined before it is used (published), so only the computation is checked.
func declassify(_ bytes: [UInt8]) -> [UInt8] {
    bytes.withUnsafeBytes { coffer_valgrind_declassify($0.baseAddress, $0.count) }
    return bytes
}

/// Deliberately leaky: a branch and a table index on the secret. The negative control.
@inline(never)
func branchyLookup(_ key: [UInt8]) -> [UInt8] {
    let table = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    var out: [UInt8] = []
    for byte in key {
        if byte & 1 == 1 { out.append(table[Int(byte)]) } else { out.append(byte) }
    }
    return out
}

let operation = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
let before = coffer_valgrind_error_count()
var output: [UInt8] = []

switch operation {
case "scalar-mult":
    // A public point (5·G), then k·P with k secret; the reduction mod n is itself constant time.
    let point = PureP256Point.generatorMultiple(PureP256Scalar(reducing: [5]))
    let scalar = PureP256Scalar(reducing: secret(32, seed: 0x31))
    output = declassify(point.multiplied(by: scalar).projectiveBytes)
case "generator-mult":
    let scalar = PureP256Scalar(reducing: secret(32, seed: 0x52))
    output = declassify(PureP256Point.generatorMultiple(scalar).projectiveBytes)
case "aes":
    let cipher = PureAES256(key: secret(32, seed: 0x11))!
    output = declassify(cipher.encrypt(secret(16, seed: 0x22)))
case "aes-gcm":
    output = declassify(try! PureAESGCM.seal(secret(40, seed: 0x44), key: secret(32, seed: 0x33),
                                             nonce: [UInt8](repeating: 9, count: 12), aad: [1, 2, 3]))
case "hash-to-curve":
    output = declassify(PureP256HashToCurve.hashToCurve(secret(32, seed: 0x66), dst: Array("ctgrind".utf8))!
        .projectiveBytes)
case "hkdf":
    // SHA-256, HMAC and HKDF with a secret input key and salt (the firmware's key derivations).
    output = declassify(PureHKDFSHA256.deriveKey(ikm: secret(32, seed: 0x88), salt: secret(32, seed: 0x99),
                                                 info: Array("coffer/v1/ctgrind".utf8), length: 64)!)
case "aes-kwp":
    let kek = secret(32, seed: 0xAA)
    let wrapped = declassify(try! PureAESKeyWrap.wrap(secret(32, seed: 0xBB), kek: kek))
    output = wrapped + declassify(PureAES256(key: kek)!.decrypt(Array(wrapped[0..<16])))
case "ecdsa-sign":
    let (r, s) = PureECDSA.signature(
        nonce: PureP256Scalar(reducing: secret(32, seed: 0xC1)), privateKey: PureP256Scalar(reducing: secret(32, seed: 0xD2)),
        digest: PureP256Scalar(reducing: PureSHA256.hash(Array("coffer/ctgrind".utf8))))
    output = declassify(r.bytes + s.bytes)
case "branchy":
    output = declassify(branchyLookup(secret(16, seed: 0x77)))
default:
    print("usage: coffer-ctgrind scalar-mult|generator-mult|aes|aes-gcm|hash-to-curve|hkdf|aes-kwp|ecdsa-sign|branchy")
    exit(64)
}

let errors = coffer_valgrind_error_count() &- before
print("operation=\(operation) valgrind=\(coffer_valgrind_running()) errors=\(errors) output=\(output.count)")
