// The field arithmetic behind RFC 9380's simplified SWU map for P-256, on libcrypto BIGNUMs.

internal import COpenSSL

extension P256Curve {
    /// `OS2IP(bytes) mod p`, 32 bytes big-endian.
    func reduceToField(_ bytes: [UInt8]) throws(CryptoError) -> [UInt8] {
        try withContext { ctx throws(CryptoError) in
            BN_CTX_start(ctx)
            defer { BN_CTX_end(ctx) }
            guard let wide = BN_CTX_get(ctx), let reduced = BN_CTX_get(ctx) else { throw .libcryptoFailure }
            BN_set_flags(wide, BN_FLG_CONSTTIME)
            try Self.load(bytes, into: wide)
            try requireOne(BN_nnmod(reduced, wide, prime, ctx))
            let out = try Self.bytes(of: reduced, length: Self.coordinateLength)
            BN_clear(wide)
            BN_clear(reduced)
            return out
        }
    }

    /// map_to_curve_simple_swu (RFC 9380 §6.6.2) with A = -3, B = b, Z = -10. The exponentiations,
    /// which dominate the cost, run in constant time; the choice between x1 and x2 branches, as in
    /// the straight-line description of the RFC.
    func mapToCurveSimpleSWU(_ uBytes: [UInt8]) throws(CryptoError) -> P256Element {
        guard uBytes.count == Self.coordinateLength else { throw .invalidLength }
        let result = try newElement()
        try withContext { ctx throws(CryptoError) in
            BN_CTX_start(ctx)
            defer { BN_CTX_end(ctx) }
            var scratch: [OpaquePointer] = []
            for _ in 0..<9 {
                guard let bn = BN_CTX_get(ctx) else { throw .libcryptoFailure }
                BN_set_flags(bn, BN_FLG_CONSTTIME)
                scratch.append(bn)
            }
            defer { for bn in scratch { BN_clear(bn) } }
            let (u, t, denominator, x1, gx1, x2, gx2, y, square) =
                (scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5], scratch[6], scratch[7],
                 scratch[8])
            try Self.load(uBytes, into: u)
            guard BN_cmp(u, prime) < 0 else { throw .invalidParameters }

            // t = Z·u², denominator = Z²·u⁴ + Z·u² = t² + t.
            try requireOne(BN_mod_sqr(t, u, prime, ctx))
            try requireOne(BN_mod_mul(t, t, sswuZ, prime, ctx))
            try requireOne(BN_mod_sqr(denominator, t, prime, ctx))
            try requireOne(BN_mod_add(denominator, denominator, t, prime, ctx))
            // x1 = (-B/A)·(1 + 1/denominator), or B/(Z·A) when the denominator is zero (inv0).
            if BN_is_zero(denominator) == 1 {
                guard BN_copy(x1, sswuBOverZA) != nil else { throw .libcryptoFailure }
            } else {
                try requireOne(BN_mod_exp_mont_consttime(x1, denominator, primeMinusTwo, prime, ctx, primeMontgomery))
                try requireOne(BN_mod_add(x1, x1, BN_value_one(), prime, ctx))
                try requireOne(BN_mod_mul(x1, x1, sswuMinusBOverA, prime, ctx))
            }
            try curveEquation(gx1, x: x1, ctx)
            try requireOne(BN_mod_mul(x2, t, x1, prime, ctx))
            try curveEquation(gx2, x: x2, ctx)

            // y = sqrt(g(x1)) when g(x1) is a square, else sqrt(g(x2)); p = 3 mod 4 gives the root
            // as a single power, and squaring it back tells whether g(x1) was a square at all.
            try requireOne(BN_mod_exp_mont_consttime(y, gx1, sqrtExponent, prime, ctx, primeMontgomery))
            try requireOne(BN_mod_sqr(square, y, prime, ctx))
            var x = x1
            if BN_cmp(square, gx1) != 0 {
                x = x2
                try requireOne(BN_mod_exp_mont_consttime(y, gx2, sqrtExponent, prime, ctx, primeMontgomery))
            }
            // sgn0 for m = 1 is the parity; make y's match u's.
            if BN_is_odd(u) != BN_is_odd(y), BN_is_zero(y) == 0 {
                try requireOne(BN_sub(y, prime, y))
            }
            try requireOne(EC_POINT_set_affine_coordinates(group, result.point, x, y, ctx))
        }
        return result
    }

    /// `out = x³ + A·x + B mod p`.
    private func curveEquation(_ out: OpaquePointer, x: OpaquePointer, _ ctx: OpaquePointer) throws(CryptoError) {
        try requireOne(BN_mod_sqr(out, x, prime, ctx))
        try requireOne(BN_mod_add(out, out, a, prime, ctx))
        try requireOne(BN_mod_mul(out, out, x, prime, ctx))
        try requireOne(BN_mod_add(out, out, b, prime, ctx))
    }
}
