import CofferCrypto
import Foundation

/// Why a key file could not be read, with the file named.
public struct AuthKeyFileError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// The operator's auth key in the files `openssl` writes: a P-256 public key as PEM (SubjectPublicKeyInfo)
/// or raw SEC1 bytes (33 or 65); a private key as PEM, SEC1 ("EC PRIVATE KEY") or PKCS #8 ("PRIVATE KEY").
/// Any other curve or shape is refused, never guessed at.
public enum AuthKeyFile {
    /// DER of AlgorithmIdentifier { id-ecPublicKey, prime256v1 }.
    static let p256Algorithm: [UInt8] = [
        0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
        0x03, 0x01, 0x07,
    ]
    /// DER of the OID prime256v1 alone (the parameters of a SEC1 private key).
    static let p256Curve: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]

    /// Reads a verifying key from `path`.
    public static func publicKey(at path: String) throws(AuthKeyFileError) -> ECDSAVerifyingKey {
        let bytes = try contents(of: path)
        if let sec1 = try? ECDSAVerifyingKey(sec1: bytes) { return sec1 }
        guard let der = pem(bytes, label: "PUBLIC KEY") else {
            throw AuthKeyFileError(path: path, reason: "neither a PEM public key nor raw SEC1 P-256 bytes")
        }
        // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING (0 unused bits) point }.
        var outer = DERReader(der)
        guard var info = outer.element(tag: 0x30), outer.atEnd, info.raw(p256Algorithm.count) == p256Algorithm,
            let bits = info.element(tag: 0x03), info.atEnd, bits.bytes.first == 0,
            let key = try? ECDSAVerifyingKey(sec1: Array(bits.bytes.dropFirst()))
        else { throw AuthKeyFileError(path: path, reason: "not a P-256 SubjectPublicKeyInfo") }
        return key
    }

    /// Reads a signing key from `path`.
    public static func privateKey(at path: String) throws(AuthKeyFileError) -> ECDSASigningKey {
        let bytes = try contents(of: path)
        var scalar: [UInt8]?
        if let der = pem(bytes, label: "EC PRIVATE KEY") {
            scalar = sec1Scalar(der)
        } else if let der = pem(bytes, label: "PRIVATE KEY") {
            // PrivateKeyInfo ::= SEQUENCE { INTEGER 0, algorithm, OCTET STRING ECPrivateKey }.
            var outer = DERReader(der)
            if var info = outer.element(tag: 0x30), outer.atEnd, info.raw(3) == [0x02, 0x01, 0x00],
                info.raw(p256Algorithm.count) == p256Algorithm, let wrapped = info.element(tag: 0x04)
            {
                scalar = sec1Scalar(wrapped.bytes)
            }
        } else {
            throw AuthKeyFileError(path: path, reason: "not a PEM EC PRIVATE KEY or PRIVATE KEY")
        }
        guard let scalar, let key = try? ECDSASigningKey(scalar: scalar) else {
            throw AuthKeyFileError(path: path, reason: "not a P-256 private key")
        }
        return key
    }

    /// ECPrivateKey ::= SEQUENCE { INTEGER 1, OCTET STRING d, [0] prime256v1 OPTIONAL, [1] ... OPTIONAL }.
    static func sec1Scalar(_ der: [UInt8]) -> [UInt8]? {
        var outer = DERReader(der)
        guard var key = outer.element(tag: 0x30), outer.atEnd, key.raw(3) == [0x02, 0x01, 0x01],
            let d = key.element(tag: 0x04), d.bytes.count == ECDSASigningKey.scalarLength
        else { return nil }
        if let parameters = key.element(tag: 0xA0), parameters.bytes != p256Curve { return nil }
        return d.bytes
    }

    /// The DER inside `-----BEGIN label-----` ... `-----END label-----`, nil when there is none.
    static func pem(_ bytes: [UInt8], label: String) -> [UInt8]? {
        let text = String(decoding: bytes, as: UTF8.self)
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
        else { return nil }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map { Array($0) }
    }

    static func contents(of path: String) throws(AuthKeyFileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthKeyFileError(path: path, reason: "cannot be read")
        }
        return Array(data)
    }
}

/// Reads DER definite-length elements one after another (short and long lengths up to 2 bytes).
struct DERReader {
    let bytes: [UInt8]
    var at = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { at == bytes.count }

    /// The next element's content if its DER type is `type`; the reader moves past it. Nil otherwise
    /// (unmoved).
    mutating func element(tag type: UInt8) -> DERReader? {
        guard at + 2 <= bytes.count, bytes[at] == type else { return nil }
        var cursor = at + 1
        var length = Int(bytes[cursor])
        cursor += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...2).contains(count), cursor + count <= bytes.count else { return nil }
            length = bytes[cursor..<cursor + count].reduce(0) { $0 << 8 | Int($1) }
            cursor += count
        }
        guard cursor + length <= bytes.count else { return nil }
        at = cursor + length
        return DERReader(Array(bytes[cursor..<cursor + length]))
    }

    /// The next `count` raw bytes (a whole element compared as bytes); nil when fewer remain.
    mutating func raw(_ count: Int) -> [UInt8]? {
        guard at + count <= bytes.count else { return nil }
        defer { at += count }
        return Array(bytes[at..<at + count])
    }
}
