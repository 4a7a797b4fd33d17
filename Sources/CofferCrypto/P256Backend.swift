// The P-256 curve as libcrypto holds it: one EC_GROUP for the whole process (so every point lives
// on the named-curve group and OpenSSL picks its nistz256 code), its constants, and a few reusable
// BN_CTX scratch contexts. All C calls for points and scalars are here; P256.swift is the API.

internal import COpenSSL

/// Process-wide P-256 state. Immutable after creation except for the BN_CTX spares, which are
/// handed out under a lock so that concurrent callers never share one.
final class P256Curve: @unchecked Sendable {
    /// The one instance. Creating the named curve cannot fail unless libcrypto is broken.
    static let shared: P256Curve = {
        do { return try P256Curve() } catch { preconditionFailure("libcrypto cannot create the P-256 group") }
    }()

    /// `EC_GROUP*` for prime256v1.
    let group: OpaquePointer
    /// The group order n (owned by `group`).
    let order: OpaquePointer
    /// The field prime p.
    let prime: OpaquePointer
    /// The curve coefficients a (= p - 3) and b.
    let a: OpaquePointer
    let b: OpaquePointer
    /// Simplified SWU constants (RFC 9380 §8.2): Z = -10, -B/A and B/(Z·A), all mod p.
    let sswuZ: OpaquePointer
    let sswuMinusBOverA: OpaquePointer
    let sswuBOverZA: OpaquePointer
    /// n - 2: the exponent of a constant-time inverse mod n (Fermat).
    let orderMinusTwo: OpaquePointer
    /// p - 2: the same for the field.
    let primeMinusTwo: OpaquePointer
    /// (p + 1) / 4: a square root mod p is this power, since p = 3 mod 4.
    let sqrtExponent: OpaquePointer
    let orderMontgomery: OpaquePointer
    let primeMontgomery: OpaquePointer

    private let lock: UnsafeMutableRawPointer
    private var spareContexts: [OpaquePointer] = []
    /// Enough for the threads that realistically hash and multiply at once; more are freed.
    private static let maxSpareContexts = 8

    private init() throws(CryptoError) {
        guard let group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1) else { throw .libcryptoFailure }
        self.group = group
        guard let order = EC_GROUP_get0_order(group), let lock = CRYPTO_THREAD_lock_new() else {
            throw .libcryptoFailure
        }
        self.order = order
        self.lock = lock
        guard let ctx = BN_CTX_new() else { throw .libcryptoFailure }
        defer { BN_CTX_free(ctx) }
        guard let p = BN_new(), let a = BN_new(), let b = BN_new() else { throw .libcryptoFailure }
        prime = p
        self.a = a
        self.b = b
        guard EC_GROUP_get_curve(group, p, a, b, ctx) == 1 else { throw .libcryptoFailure }
        sswuZ = try Self.offset(p, by: -10)
        sswuMinusBOverA = try Self.divide(b, by: 3, modulo: p, ctx)
        sswuBOverZA = try Self.divide(b, by: 30, modulo: p, ctx)
        orderMinusTwo = try Self.offset(order, by: -2)
        primeMinusTwo = try Self.offset(p, by: -2)
        let pPlusOne = try Self.offset(p, by: 1)
        defer { BN_free(pPlusOne) }
        guard let sqrtExponent = BN_new(), BN_rshift(sqrtExponent, pPlusOne, 2) == 1 else { throw .libcryptoFailure }
        self.sqrtExponent = sqrtExponent
        orderMontgomery = try Self.montgomery(order, ctx)
        primeMontgomery = try Self.montgomery(p, ctx)
    }

    deinit {
        for ctx in spareContexts { BN_CTX_free(ctx) }
        CRYPTO_THREAD_lock_free(lock)
        for bn in [prime, a, b, sswuZ, sswuMinusBOverA, sswuBOverZA, orderMinusTwo, primeMinusTwo, sqrtExponent] { BN_free(bn) }
        BN_MONT_CTX_free(orderMontgomery)
        BN_MONT_CTX_free(primeMontgomery)
        EC_GROUP_free(group)
    }

    private static func offset(_ value: OpaquePointer, by delta: Int) throws(CryptoError) -> OpaquePointer {
        guard let result = BN_dup(value) else { throw .libcryptoFailure }
        let rc = delta < 0 ? BN_sub_word(result, UInt(-delta)) : BN_add_word(result, UInt(delta))
        guard rc == 1 else { BN_free(result); throw .libcryptoFailure }
        return result
    }

    /// `value / divisor mod modulus` for public constants (not constant-time).
    private static func divide(
        _ value: OpaquePointer, by divisor: UInt, modulo modulus: OpaquePointer, _ ctx: OpaquePointer
    ) throws(CryptoError) -> OpaquePointer {
        guard let d = BN_new() else { throw .libcryptoFailure }
        defer { BN_free(d) }
        guard BN_set_word(d, UInt(divisor)) == 1, BN_mod_inverse(d, d, modulus, ctx) != nil,
              let result = BN_new() else { throw .libcryptoFailure }
        guard BN_mod_mul(result, value, d, modulus, ctx) == 1 else { BN_free(result); throw .libcryptoFailure }
        return result
    }

    private static func montgomery(_ modulus: OpaquePointer, _ ctx: OpaquePointer) throws(CryptoError) -> OpaquePointer {
        guard let mont = BN_MONT_CTX_new() else { throw .libcryptoFailure }
        guard BN_MONT_CTX_set(mont, modulus, ctx) == 1 else { BN_MONT_CTX_free(mont); throw .libcryptoFailure }
        return mont
    }

    /// Runs `body` with a BN_CTX that no other caller holds meanwhile. Reusing contexts keeps the
    /// per-operation cost to a lock instead of a dozen allocations inside libcrypto.
    func withContext<R>(_ body: (OpaquePointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
        var ctx: OpaquePointer? = nil
        if CRYPTO_THREAD_write_lock(lock) == 1 {
            ctx = spareContexts.popLast()
            CRYPTO_THREAD_unlock(lock)
        }
        if ctx == nil { ctx = BN_CTX_new() }
        guard let ctx else { throw .libcryptoFailure }
        defer { release(ctx) }
        return try body(ctx)
    }

    private func release(_ ctx: OpaquePointer) {
        if CRYPTO_THREAD_write_lock(lock) == 1 {
            if spareContexts.count < Self.maxSpareContexts {
                spareContexts.append(ctx)
                CRYPTO_THREAD_unlock(lock)
                return
            }
            CRYPTO_THREAD_unlock(lock)
        }
        BN_CTX_free(ctx)
    }
}

/// Clears libcrypto's per-thread error queue after a refusal we report ourselves, so failed
/// decodings of hostile input do not pile up entries.
@inline(__always)
func discardLibcryptoErrors() { ERR_clear_error() }
