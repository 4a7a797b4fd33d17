// libsodium's ristretto255 behind Ristretto255.swift. Every result is written straight into a
// zeroizing buffer, and every return code is checked: libsodium answers -1 for an input that is not
// a valid encoding and for a result that is the identity, which a prime-order group only produces
// from a zero scalar or hostile input.

internal import CSodium
import OPAQUE

enum Ristretto255Backend {
    /// `crypto_core_ristretto255_is_valid_point`: 1 only for a canonical encoding of an element
    /// (the identity's included; the caller refuses that one).
    static func isCanonicalEncoding(_ bytes: [UInt8]) -> Bool {
        precondition(bytes.count == Int(crypto_core_ristretto255_BYTES), "element of the wrong length")
        return bytes.withUnsafeBufferPointer { crypto_core_ristretto255_is_valid_point($0.baseAddress!) } == 1
    }

    static func fromUniformBytes(_ uniform: [UInt8]) throws(CryptoError) -> Ristretto255Element {
        precondition(uniform.count == Int(crypto_core_ristretto255_HASHBYTES), "map input of the wrong length")
        let (out, rc) = filled(Int(crypto_core_ristretto255_BYTES)) { out in
            uniform.withUnsafeBufferPointer { crypto_core_ristretto255_from_hash(out, $0.baseAddress!) }
        }
        guard rc == 0, !isIdentity(out) else { throw .invalidPoint }
        return Ristretto255Element(encoding: out)
    }

    static func multiply(_ element: Ristretto255Element, by scalar: Ristretto255Scalar)
        throws(CryptoError) -> Ristretto255Element
    {
        let (out, rc) = filled(Int(crypto_scalarmult_ristretto255_BYTES)) { out in
            scalar.bytes.withUnsafeBytes { n in
                element.encoding.withUnsafeBytes { p in crypto_scalarmult_ristretto255(out, bytes(n), bytes(p)) }
            }
        }
        guard rc == 0 else { throw .invalidPoint }
        return Ristretto255Element(encoding: out)
    }

    static func multiplyBase(_ scalar: Ristretto255Scalar) throws(CryptoError) -> Ristretto255Element {
        let (out, rc) = filled(Int(crypto_scalarmult_ristretto255_BYTES)) { out in
            scalar.bytes.withUnsafeBytes { n in crypto_scalarmult_ristretto255_base(out, bytes(n)) }
        }
        guard rc == 0 else { throw .invalidScalar }
        return Ristretto255Element(encoding: out)
    }

    static func add(_ a: Ristretto255Element, _ b: Ristretto255Element) throws(CryptoError) -> Ristretto255Element {
        let (out, rc) = filled(Int(crypto_core_ristretto255_BYTES)) { out in
            a.encoding.withUnsafeBytes { p in
                b.encoding.withUnsafeBytes { q in crypto_core_ristretto255_add(out, bytes(p), bytes(q)) }
            }
        }
        guard rc == 0, !isIdentity(out) else { throw .invalidPoint }
        return Ristretto255Element(encoding: out)
    }

    static func subtract(_ a: Ristretto255Element, _ b: Ristretto255Element) throws(CryptoError)
        -> Ristretto255Element
    {
        let (out, rc) = filled(Int(crypto_core_ristretto255_BYTES)) { out in
            a.encoding.withUnsafeBytes { p in
                b.encoding.withUnsafeBytes { q in crypto_core_ristretto255_sub(out, bytes(p), bytes(q)) }
            }
        }
        guard rc == 0, !isIdentity(out) else { throw .invalidPoint }
        return Ristretto255Element(encoding: out)
    }

    static func invert(_ scalar: Ristretto255Scalar) throws(CryptoError) -> Ristretto255Scalar {
        let (out, rc) = filled(Int(crypto_core_ristretto255_SCALARBYTES)) { out in
            scalar.bytes.withUnsafeBytes { s in crypto_core_ristretto255_scalar_invert(out, bytes(s)) }
        }
        guard rc == 0 else { throw .invalidScalar }
        return Ristretto255Scalar(bytes: out)
    }

    static func reduce(_ wide: [UInt8]) -> Ristretto255Scalar {
        precondition(wide.count == Int(crypto_core_ristretto255_NONREDUCEDSCALARBYTES),
                     "wide scalar of the wrong length")
        let (out, _) = filled(Int(crypto_core_ristretto255_SCALARBYTES)) { out in
            wide.withUnsafeBufferPointer { crypto_core_ristretto255_scalar_reduce(out, $0.baseAddress!) }
            return 0
        }
        return Ristretto255Scalar(bytes: out)
    }

    static func addScalars(_ a: Ristretto255Scalar, _ b: Ristretto255Scalar) -> Ristretto255Scalar {
        let (out, _) = filled(Int(crypto_core_ristretto255_SCALARBYTES)) { out in
            a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in crypto_core_ristretto255_scalar_add(out, bytes(x), bytes(y)) }
            }
            return 0
        }
        return Ristretto255Scalar(bytes: out)
    }

    static func multiplyScalars(_ a: Ristretto255Scalar, _ b: Ristretto255Scalar) -> Ristretto255Scalar {
        let (out, _) = filled(Int(crypto_core_ristretto255_SCALARBYTES)) { out in
            a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in crypto_core_ristretto255_scalar_mul(out, bytes(x), bytes(y)) }
            }
            return 0
        }
        return Ristretto255Scalar(bytes: out)
    }

    /// A fresh zeroed secret of `count` bytes that `body` fills through a C pointer, and the C
    /// function's return code.
    private static func filled(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int32) -> (SecretBytes, Int32) {
        let out = SecretBytes(zeros: count)
        let rc = out.withUnsafeMutableBytes { buffer in body(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return (out, rc)
    }

    /// The `unsigned char *` view of a non-empty buffer.
    @inline(__always)
    private static func bytes(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
        buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
    }

    /// Whether an encoding is the identity's (all zero), in constant time.
    private static func isIdentity(_ encoding: SecretBytes) -> Bool {
        encoding.withUnsafeBytes { bytes in
            var accumulated: UInt8 = 0
            for byte in bytes { accumulated |= byte }
            return accumulated == 0
        }
    }
}
