// libcrypto calls behind ECDSA.swift: EC_POINT arithmetic to derive and check points, EVP_PKEY
// built with EVP_PKEY_fromdata, and EVP_DigestSign / EVP_DigestVerify with DER signatures
// converted to and from raw r || s.

internal import COpenSSL

/// The P-256 group and its order, made once per process; read-only afterwards.
final class ECDSACurve: @unchecked Sendable {
    static let shared = ECDSACurve()
    let group: OpaquePointer
    let order: OpaquePointer

    private init() {
        guard let group = EC_GROUP_new_by_curve_name(coffer_nid_p256()), let order = EC_GROUP_get0_order(group) else {
            fatalError("libcrypto has no P-256 group")
        }
        self.group = group
        self.order = order
    }
}

/// A BIGNUM, owned and cleared on deinit.
private final class OwnedBignum {
    let pointer: OpaquePointer
    init(_ bytes: UnsafeRawBufferPointer) throws(CryptoError) {
        guard let pointer = BN_bin2bn(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(bytes.count), nil)
        else { throw .libcryptoFailure }
        self.pointer = pointer
    }
    deinit { BN_clear_free(pointer) }
}

/// An EC_POINT, owned.
private final class OwnedPoint {
    let pointer: OpaquePointer
    init() throws(CryptoError) {
        guard let pointer = EC_POINT_new(ECDSACurve.shared.group) else { throw .libcryptoFailure }
        self.pointer = pointer
    }
    deinit { EC_POINT_free(pointer) }

    func encoded(_ form: point_conversion_form_t, length: Int) throws(CryptoError) -> [UInt8] {
        try [UInt8](filling: length) { (out) throws(CryptoError) in
            let written = EC_POINT_point2oct(
                ECDSACurve.shared.group, pointer, form, out.baseAddress?.assumingMemoryBound(to: UInt8.self),
                out.count, nil)
            guard written == length else { throw .libcryptoFailure }
        }
    }
}

/// A point's compressed (33-byte) and uncompressed (65-byte) SEC1 encodings.
typealias PointEncodings = (compressed: [UInt8], uncompressed: [UInt8])

/// An EVP_PKEY for P-256, owned: freed on deinit. libcrypto allows concurrent signing and
/// verification with one key, each call using its own EVP_MD_CTX.
final class ECKeyHandle: @unchecked Sendable {
    private let pkey: OpaquePointer

    private init(_ pkey: OpaquePointer) { self.pkey = pkey }
    deinit { EVP_PKEY_free(pkey) }

    /// A signing key from a 32-byte big-endian scalar in [1, n-1], and its uncompressed public key.
    static func keyPair(scalar: UnsafeRawBufferPointer) throws(CryptoError) -> (ECKeyHandle, [UInt8]) {
        guard scalar.count == ECDSASigningKey.scalarLength else { throw .invalidLength }
        let d = try OwnedBignum(scalar)
        guard BN_is_zero(d.pointer) == 0, BN_cmp(d.pointer, ECDSACurve.shared.order) < 0 else { throw .invalidScalar }
        let point = try OwnedPoint()
        guard EC_POINT_mul(ECDSACurve.shared.group, point.pointer, d.pointer, nil, nil, nil) == 1 else {
            throw .libcryptoFailure
        }
        let publicKey = try point.encoded(POINT_CONVERSION_UNCOMPRESSED, length: 65)
        let handle = try fromData(publicKey: publicKey, scalar: scalar)
        return (handle, publicKey)
    }

    /// A verifying key from an uncompressed point already checked to be on the curve.
    static func publicKey(uncompressed: [UInt8]) throws(CryptoError) -> ECKeyHandle {
        try fromData(publicKey: uncompressed, scalar: nil)
    }

    /// Decodes SEC1 bytes (on-curve check included) and returns both standard encodings.
    static func canonicalEncodings(ofPoint bytes: [UInt8]) throws(CryptoError) -> PointEncodings {
        let point = try OwnedPoint()
        let rc = bytes.withUnsafeBufferPointer {
            EC_POINT_oct2point(ECDSACurve.shared.group, point.pointer, $0.baseAddress, $0.count, nil)
        }
        guard rc == 1 else { throw .invalidPoint }
        guard EC_POINT_is_at_infinity(ECDSACurve.shared.group, point.pointer) == 0 else { throw .invalidPoint }
        return (
            try point.encoded(POINT_CONVERSION_COMPRESSED, length: 33),
            try point.encoded(POINT_CONVERSION_UNCOMPRESSED, length: 65)
        )
    }

    /// EVP_PKEY_fromdata with group name, public point and (for a signing key) private scalar.
    /// OSSL_PARAM keeps pointers to the buffers, so they all stay alive across the call.
    private static func fromData(publicKey: [UInt8], scalar: UnsafeRawBufferPointer?) throws(CryptoError)
        -> ECKeyHandle
    {
        var point = publicKey
        // OSSL_PARAM carries a BIGNUM as a native-endian unsigned integer.
        var nativeScalar = [UInt8](repeating: 0, count: ECDSASigningKey.scalarLength)
        defer { for i in nativeScalar.indices { nativeScalar[i] = 0 } }
        if let scalar {
            for i in 0..<scalar.count {
                nativeScalar[i] = isLittleEndianHost ? scalar[scalar.count - 1 - i] : scalar[i]
            }
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw .libcryptoFailure }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_fromdata_init(context) == 1 else { throw .libcryptoFailure }
        var pkey: OpaquePointer?
        let rc = point.withUnsafeMutableBytes { pointBytes in
            nativeScalar.withUnsafeMutableBufferPointer { scalarBytes in
                // "group", "pub" and "priv" are OSSL_PKEY_PARAM_GROUP_NAME, _PUB_KEY and _PRIV_KEY.
                var params = [
                    OSSL_PARAM_construct_utf8_string(staticCString("group"), staticCString("prime256v1"), 0),
                    OSSL_PARAM_construct_octet_string(staticCString("pub"), pointBytes.baseAddress, pointBytes.count),
                    scalar == nil
                        ? OSSL_PARAM_construct_end()
                        : OSSL_PARAM_construct_BN(staticCString("priv"), scalarBytes.baseAddress, scalarBytes.count),
                    OSSL_PARAM_construct_end(),
                ]
                let selection = scalar == nil ? coffer_selection_public_key() : coffer_selection_keypair()
                return EVP_PKEY_fromdata(context, &pkey, selection, &params)
            }
        }
        guard rc == 1, let pkey else { throw .libcryptoFailure }
        return ECKeyHandle(pkey)
    }

    /// ECDSA-SHA256 over `message`, returned as raw r || s.
    func sign(_ message: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .libcryptoFailure }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit_ex(context, nil, "SHA256", nil, nil, pkey, nil) == 1 else { throw .libcryptoFailure }
        // A DER ECDSA-P256 signature is at most 72 bytes.
        var der = [UInt8](repeating: 0, count: 80)
        var derLength = der.count
        let rc = der.withUnsafeMutableBufferPointer {
            EVP_DigestSign(
                context, $0.baseAddress, &derLength, message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                message.count)
        }
        guard rc == 1 else { throw .libcryptoFailure }
        return try Self.rawSignature(fromDER: Array(der.prefix(derLength)))
    }

    /// True when raw r || s verifies over `message`.
    func verify(_ signature: UnsafeRawBufferPointer, _ message: UnsafeRawBufferPointer) throws(CryptoError) -> Bool {
        guard let der = try Self.derSignature(fromRaw: signature) else { return false }
        guard let context = EVP_MD_CTX_new() else { throw .libcryptoFailure }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit_ex(context, nil, "SHA256", nil, nil, pkey, nil) == 1 else {
            throw .libcryptoFailure
        }
        let rc = der.withUnsafeBufferPointer {
            EVP_DigestVerify(
                context, $0.baseAddress, $0.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                message.count)
        }
        // 1 is a valid signature, 0 an invalid one; a negative value is a malformed one.
        ERR_clear_error()
        return rc == 1
    }

    private static func rawSignature(fromDER der: [UInt8]) throws(CryptoError) -> [UInt8] {
        let signature: OpaquePointer? = der.withUnsafeBufferPointer {
            var cursor = $0.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, $0.count)
        }
        guard let signature else { throw .libcryptoFailure }
        defer { ECDSA_SIG_free(signature) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(signature, &r, &s)
        return try [UInt8](filling: 64) { (out) throws(CryptoError) in
            let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard BN_bn2binpad(r, base, 32) == 32, BN_bn2binpad(s, base + 32, 32) == 32 else {
                throw .libcryptoFailure
            }
        }
    }

    /// DER for raw r || s, or nil when r or s is outside [1, n-1] (no valid signature has that).
    private static func derSignature(fromRaw raw: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8]? {
        let r = try OwnedBignum(UnsafeRawBufferPointer(rebasing: raw[0..<32]))
        let s = try OwnedBignum(UnsafeRawBufferPointer(rebasing: raw[32..<64]))
        let order = ECDSACurve.shared.order
        for value in [r, s] {
            guard BN_is_zero(value.pointer) == 0, BN_cmp(value.pointer, order) < 0 else { return nil }
        }
        guard let signature = ECDSA_SIG_new() else { throw .libcryptoFailure }
        defer { ECDSA_SIG_free(signature) }
        // ECDSA_SIG_set0 takes ownership of its BIGNUMs, so hand it copies.
        guard let rCopy = BN_dup(r.pointer) else { throw .libcryptoFailure }
        guard let sCopy = BN_dup(s.pointer) else {
            BN_free(rCopy)
            throw .libcryptoFailure
        }
        guard ECDSA_SIG_set0(signature, rCopy, sCopy) == 1 else {
            BN_free(rCopy)
            BN_free(sCopy)
            throw .libcryptoFailure
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { throw .libcryptoFailure }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer {
            var cursor = $0.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        guard written == length else { throw .libcryptoFailure }
        return der
    }
}

private let isLittleEndianHost = UInt16(1).littleEndian == 1
