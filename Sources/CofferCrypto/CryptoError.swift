/// Why a CofferCrypto operation failed. Small and flat; extend-only.
public enum CryptoError: Error, Equatable, Sendable {
    /// A key, nonce, tag or other input has the wrong length.
    case invalidLength
    /// Bytes that are not a valid P-256 point (off the curve, not canonical, or the identity).
    case invalidPoint
    /// A scalar that is zero or not below the group order.
    case invalidScalar
    /// An AEAD tag, a key-wrap integrity check or a signature did not verify.
    case authenticationFailure
    /// libcrypto reported a failure the caller cannot fix (allocation, internal error).
    case libcryptoFailure
    /// Cost parameters outside their valid range (scrypt: N not a power of two above 1, r or p zero,
    /// r·p too large) or needing more memory than the caller allows.
    case invalidParameters
}
