// The chip's hardware abstraction layer: everything physical reaches the firmware through these
// protocols, as generic parameters (no existentials). The emulator plugs in files, a UDP socket,
// the system clock and CofferCrypto; tests plug in memory; a board would plug in its own.

import CofferProtocol
import OPAQUE

/// A HAL operation that failed. Extend-only: never renumber.
public enum HALError: Error, Equatable, Sendable {
    /// The medium did not complete the operation (I/O error, power loss in the emulator).
    case ioFailure
    /// An index, offset or length outside the device's geometry.
    case outOfRange
    /// A program operation on flash that was not erased first.
    case notErased
    /// The fuses are already burned; they can be written once only.
    case alreadyBurned
    /// A counter is at its maximum and cannot rise further.
    case counterExhausted
    /// The crypto engine refused or failed (bad key length, authentication failure).
    case cryptoFailure
}

/// What the one-time-programmable fuses hold once burned.
public struct FuseContents: Equatable, Sendable {
    /// Length of the unique device secret in bytes.
    public static let udsLength = 32
    /// The unique device secret (UDS), from which every device key is derived.
    public var uds: [UInt8]
    /// The device serial number, printed and reported in GetInfo.
    public var serial: UInt64
    /// The OPAQUE suite the device was made for, burned with the UDS: a firmware of another suite
    /// refuses to boot on these fuses, so no UDS ever keys two suites.
    public var suite: VaultSuite

    public init(uds: [UInt8], serial: UInt64, suite: VaultSuite = .p256SHA256) {
        self.uds = uds
        self.serial = serial
        self.suite = suite
    }
}

/// One-time-programmable fuses: blank until burned, then never changed.
public protocol FuseBank: AnyObject {
    /// The burned contents, or nil while the fuses are blank.
    func read() throws(HALError) -> FuseContents?
    /// Burns the fuses. Refuses with `.alreadyBurned` if they hold anything.
    func burn(_ contents: FuseContents) throws(HALError)
}

/// The on-chip bank of monotonic 32-bit counters. Nothing lowers a counter.
///
/// "Durable" below is as the world outside the chip sees it. A board may group commits (the
/// emulator's `serve --group-commit`): a change then returns once staged, and the board makes every
/// staged change durable in one write before any reply leaves the chip and before any flash write,
/// so nothing that depends on a change is seen before the change is durable, and a power cut loses
/// staged changes only together with everything that depended on them.
public protocol CounterBank: AnyObject {
    /// Number of counters in the bank.
    var count: Int { get }
    /// The counter's current value.
    func read(_ index: Int) throws(HALError) -> UInt32
    /// Raises the counter by one and returns only once the new value is durable.
    func increment(_ index: Int) throws(HALError) -> UInt32
    /// Raises the counter to `value` in one durable write (nothing when it holds `value` already);
    /// `.outOfRange` when `value` is below the counter, which would lower it.
    func advance(_ index: Int, to value: UInt32) throws(HALError) -> UInt32
}

/// External NOR-style flash: erase sets a page to 0xFF; program writes into erased bytes.
/// Untrusted: whatever it returns is checked by the firmware before use.
public protocol FlashMemory: AnyObject {
    /// Bytes per erase page.
    var pageSize: Int { get }
    /// Number of pages.
    var pageCount: Int { get }
    func read(offset: Int, count: Int) throws(HALError) -> [UInt8]
    /// Writes bytes into an erased range; returns only once they are durable.
    func program(offset: Int, bytes: [UInt8]) throws(HALError)
    /// Erases one page to 0xFF; returns only once durable.
    func erase(page: Int) throws(HALError)
}

/// A source of random bytes (a TRNG on a board, the OS CSPRNG or a seeded generator on a PC).
public protocol EntropySource: AnyObject {
    func randomBytes(_ count: Int) -> [UInt8]
}

/// Milliseconds since an arbitrary origin; never goes backwards.
public protocol MonotonicClock: AnyObject {
    func milliseconds() -> UInt64
}

/// The chip's crypto engine: the OPAQUE suite plus the primitives the vault needs.
public protocol CryptoEngine {
    associatedtype Suite: OPAQUECiphersuite

    /// The OPAQUE-3DH ciphersuite: P256-SHA256 or ristretto255-SHA512 (`VaultSuite`).
    var suite: Suite { get }

    /// AES-256-GCM with a 12-byte nonce; returns ciphertext followed by the 16-byte tag.
    func sealAESGCM(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8]) throws(HALError) -> [UInt8]
    /// Opens what `sealAESGCM` produced; `.cryptoFailure` when the tag does not verify.
    func openAESGCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) throws(HALError) -> [UInt8]
    /// HKDF-SHA256 (RFC 5869), extract then expand.
    func hkdf(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8]
    /// The compressed SEC1 public key (33 bytes) of an ECDSA P-256 private scalar (32 bytes).
    func ecdsaPublicKey(privateKey: [UInt8]) throws(HALError) -> [UInt8]
    /// ECDSA P-256 over SHA-256 of `message`; the signature as r || s, 64 bytes.
    func ecdsaSign(privateKey: [UInt8], message: [UInt8]) throws(HALError) -> [UInt8]
    /// Byte strings compared in time independent of their contents.
    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool
    /// SHA-256 of `message` (32 bytes).
    func sha256(_ message: [UInt8]) -> [UInt8]
    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8]
    /// Whether `signature` (r || s, 64 bytes) is a valid ECDSA P-256 signature over SHA-256 of
    /// `message` by `publicKey` (compressed SEC1, 33 bytes). False for anything malformed.
    func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool
    /// P-256 Diffie-Hellman: the x-coordinate (32 bytes) of `privateKey` (a 32-byte scalar in
    /// [1, n-1]) times `peerPublicKey` (compressed SEC1, 33 bytes). `.cryptoFailure` for a peer key
    /// off the curve or of another length, and for a result that is the identity.
    func ecdhP256(privateKey: [UInt8], peerPublicKey: [UInt8]) throws(HALError) -> [UInt8]
    /// AES key wrap with padding (RFC 5649) under a 32-byte (AES-256) KEK; `plaintext` is 1 byte or more.
    /// The result is `plaintext` rounded up to 8 bytes, plus 8.
    func aesKeyWrapPadded(kek: [UInt8], plaintext: [UInt8]) throws(HALError) -> [UInt8]
    /// Unwraps what `aesKeyWrapPadded` produced; `.cryptoFailure` when the integrity check fails
    /// (any changed byte or another KEK) or a length is wrong.
    func aesKeyUnwrapPadded(kek: [UInt8], wrapped: [UInt8]) throws(HALError) -> [UInt8]
}

extension CryptoEngine {
    /// The vault suite of the engine's OPAQUE suite, by its RFC 9497 identifier; raw value 0 for a
    /// suite without one (such a firmware cannot be manufactured).
    public var vaultSuite: VaultSuite { VaultSuite(oprfIdentifier: suite.oprfIdentifier) ?? VaultSuite(rawValue: 0) }
}
