// libsodium's one-time set-up, shared by every libsodium-backed algorithm of CofferCrypto
// (ristretto255, Argon2id). libsodium is reached through pkg-config as the system module CSodium.

internal import CSodium

/// The process-wide libsodium library.
enum Sodium {
    /// `sodium_init` picks libsodium's fastest implementations for this CPU (Argon2's block function
    /// among them) and must run before any other call. It returns 0 the first time, 1 when already
    /// done, and -1 only when the library cannot work at all, which nothing here could work around.
    private static let initialised: Bool = sodium_init() >= 0

    /// Makes sure `sodium_init` has run; a Swift `static let` runs its initialiser exactly once,
    /// even when threads race to it.
    @inline(__always)
    static func ensureInitialised() {
        guard initialised else { preconditionFailure("libsodium failed to initialise (sodium_init)") }
    }
}
