// A compile-only microcontroller board: the firmware's HAL on fixed-size memories, so that
// `scripts/firmware-embedded.sh` specialises the whole `CofferChip` for armv7em as Embedded Swift.
// Generic firmware code is only fully checked by Embedded Swift once it is specialised; this unit
// is that specialisation, and its object size approximates a firmware image.
//
// The memories are scripts/board/Memories.swift's, in RAM only; entropy and clock are simple stand-ins
// for a board's parts. A device serves one suite,
// so a board's image holds one chip; two are specialised here. The P256-SHA256 chip runs on real
// crypto: CofferPureCrypto's engine (SHA-256, HMAC/HKDF, AES-256-GCM, P-256, ECDSA, OPAQUE
// P256-SHA256 in plain Swift), the code a board without OpenSSL would run. The second chip, on a
// COMPILE-ONLY placeholder suite shaped like ristretto255-SHA512 (32-byte elements, 64-byte hashes;
// never run, computes nothing), proves the generic firmware also builds for `Nh = 64`.

import CofferFirmware
import CofferProtocol
import CofferPureCrypto
import OPAQUE

/// Stand-in for a TRNG peripheral: an xorshift generator. Not a source of secrets; a real board
/// reads its TRNG here.
final class TRNGStandIn: EntropySource {
    private var state: UInt32 = 0x9E37_79B9

    func randomBytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            bytes.append(UInt8(truncatingIfNeeded: state))
        }
        return bytes
    }
}

/// Stand-in for SysTick: milliseconds as last reported by the caller, never going backwards.
final class SysTickClock: MonotonicClock {
    private var now: UInt64 = 0

    func advance(to milliseconds: UInt64) { now = max(now, milliseconds) }
    func milliseconds() -> UInt64 { now }
}

// MARK: - Compile-only crypto for the second chip: never run.

/// Compile-only group placeholder: right lengths, no arithmetic. Never run.
struct PlaceholderGroup: PrimeOrderGroup {
    typealias Element = [UInt8]
    typealias Scalar = [UInt8]

    /// 33 for the P-256 shape, 32 for the ristretto255 shape.
    var elementLength: Int
    var scalarLength: Int { 32 }

    func hashToGroup(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> Element { zeros(elementLength) }
    func hashToScalar(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> Scalar { zeros(scalarLength) }
    func multiply(_ element: Element, by scalar: Scalar) throws(OPAQUEError) -> Element { element }
    func multiplyGenerator(by scalar: Scalar) throws(OPAQUEError) -> Element { zeros(elementLength) }
    func invert(_ scalar: Scalar) throws(OPAQUEError) -> Scalar { scalar }
    func isZero(_ scalar: Scalar) -> Bool { scalar.allSatisfy { $0 == 0 } }
    func serialize(_ element: Element) -> [UInt8] { element }
    func deserializeElement(_ bytes: [UInt8]) throws(OPAQUEError) -> Element {
        guard bytes.count == elementLength else { throw .invalidLength }
        return bytes
    }
    func deserializeScalar(_ bytes: [UInt8]) throws(OPAQUEError) -> Scalar {
        guard bytes.count == scalarLength else { throw .invalidLength }
        return bytes
    }
}

/// Compile-only ristretto255-SHA512 suite placeholder: 32-byte elements, 64-byte hashes, MACs and KDF
/// outputs, every output zeros. A second concrete suite type, so the firmware is specialised for
/// `Nh = 64` as well. Never run.
struct PlaceholderWideSuite: OPAQUECiphersuite {
    let group = PlaceholderGroup(elementLength: 32)
    var oprfIdentifier: [UInt8] { Array("ristretto255-SHA512".utf8) }
    var hashLength: Int { 64 }
    var macLength: Int { 64 }
    var kdfLength: Int { 64 }

    func hash(_ message: [UInt8]) -> [UInt8] { zeros(hashLength) }
    func mac(key: [UInt8], message: [UInt8]) -> [UInt8] { zeros(macLength) }
    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { OPAQUE.constantTimeEqual(a, b) }
    func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] { zeros(kdfLength) }
    func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] { zeros(length) }
    func stretch(_ input: [UInt8]) throws(OPAQUEError) -> [UInt8] { input }
}

/// Compile-only crypto engine placeholder around either placeholder suite: no AES, HKDF or ECDSA is
/// computed. Never run.
struct PlaceholderEngine<Suite: OPAQUECiphersuite>: CryptoEngine {
    let suite: Suite

    func sealAESGCM(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8]) throws(HALError) -> [UInt8] {
        plaintext + zeros(16)
    }
    func openAESGCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) throws(HALError) -> [UInt8] {
        guard sealed.count >= 16 else { throw .cryptoFailure }
        return Array(sealed.dropLast(16))
    }
    func hkdf(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8] { zeros(length) }
    func ecdsaPublicKey(privateKey: [UInt8]) throws(HALError) -> [UInt8] { zeros(33) }
    func ecdsaSign(privateKey: [UInt8], message: [UInt8]) throws(HALError) -> [UInt8] { zeros(64) }
    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { OPAQUE.constantTimeEqual(a, b) }
    func sha256(_ message: [UInt8]) -> [UInt8] { zeros(32) }
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] { zeros(32) }
    func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool { false }
    func ecdhP256(privateKey: [UInt8], peerPublicKey: [UInt8]) throws(HALError) -> [UInt8] { zeros(32) }
    func aesKeyWrapPadded(kek: [UInt8], plaintext: [UInt8]) throws(HALError) -> [UInt8] {
        zeros((plaintext.count + 7) / 8 * 8 + 8)
    }
    func aesKeyUnwrapPadded(kek: [UInt8], wrapped: [UInt8]) throws(HALError) -> [UInt8] {
        guard wrapped.count >= 16 else { throw .cryptoFailure }
        return zeros(wrapped.count - 8)
    }
}

private func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }

// MARK: - The chip on this board

typealias MCUBoard<Engine: CryptoEngine> =
    ChipBoard<OTPFuses<RAMOnly>, MonotonicCounters<RAMOnly>, InternalFlash<RAMOnly>, TRNGStandIn, Engine>

/// The memories outlive firmware instances, as on a chip; the firmware boots on first use.
nonisolated(unsafe) private let board = MCUBoard(
    fuses: OTPFuses(), counters: MonotonicCounters(), flash: InternalFlash(), entropy: TRNGStandIn(),
    engine: PureCryptoEngine())
/// The same memories under the ristretto255-shaped suite: only to specialise that chip too (a real
/// image links one of the two entry points).
nonisolated(unsafe) private let wideBoard = MCUBoard(
    fuses: OTPFuses(), counters: MonotonicCounters(), flash: InternalFlash(), entropy: TRNGStandIn(),
    engine: PlaceholderEngine(suite: PlaceholderWideSuite()))
nonisolated(unsafe) private let clock = SysTickClock()
nonisolated(unsafe) private var chip: CofferChip<MCUBoard<PureCryptoEngine>>?
nonisolated(unsafe) private var wideChip: CofferChip<MCUBoard<PlaceholderEngine<PlaceholderWideSuite>>>?

/// Feeds one 64-byte OUT report received at `now` (milliseconds) to the chip, then lets time-driven
/// work run; returns how many IN reports that produced, or -1 if the firmware could not boot.
@_cdecl("coffer_board_receive")
public func boardReceive(_ report: UnsafePointer<UInt8>, _ now: UInt64) -> Int32 {
    if chip == nil {
        chip = try? CofferChip(board: board, configuration: FirmwareConfiguration(geometry: geometry))
    }
    guard let chip else { return -1 }
    return feed(chip, report, now)
}

/// `coffer_board_receive` for the chip of the ristretto255-shaped suite.
@_cdecl("coffer_board_receive_ristretto255")
public func wideBoardReceive(_ report: UnsafePointer<UInt8>, _ now: UInt64) -> Int32 {
    if wideChip == nil {
        wideChip = try? CofferChip(board: wideBoard, configuration: FirmwareConfiguration(geometry: geometry))
    }
    guard let wideChip else { return -1 }
    return feed(wideChip, report, now)
}

private func feed<B: Board>(_ chip: CofferChip<B>, _ report: UnsafePointer<UInt8>, _ now: UInt64) -> Int32 {
    clock.advance(to: now)
    let bytes = Array(UnsafeBufferPointer(start: report, count: 64))
    let produced = chip.receive(report: bytes, now: clock.milliseconds()).count
        + chip.poll(now: clock.milliseconds()).count
    return Int32(produced)
}

// MARK: - The realm ceremony, specialised on this board's engine

/// Runs the realm ceremony between two of a draft's members on this board's engine: `draftBytes` is the
/// draft's encoding, `identities` the two members' 32-byte identity private keys. One generates, the other
/// offers and imports, both sign the manifest, and the importer seals its secrets and opens them again.
/// It exists so that Embedded Swift specialises, and so checks, the generic ceremony code with the
/// engine a board runs. Returns 0 when every step succeeded, else the number of the step that failed.
@_cdecl("coffer_board_realm_ceremony")
public func boardRealmCeremony(
    _ draftBytes: UnsafePointer<UInt8>, _ draftLength: Int, _ identities: UnsafePointer<UInt8>
) -> Int32 {
    let engine = PureCryptoEngine()
    let entropy = TRNGStandIn()
    guard let draft = RealmDraft(encoded: Array(UnsafeBufferPointer(start: draftBytes, count: draftLength))) else {
        return 1
    }
    let keys = Array(UnsafeBufferPointer(start: identities, count: 64))
    do throws(RealmCeremonyError) {
        let exporter = try RealmCeremony(
            engine: engine, draft: draft, identityPrivateKey: SecretBytes(Array(keys[0..<32])), deviceIsTestOnly: true)
        let importer = try RealmCeremony(
            engine: engine, draft: draft, identityPrivateKey: SecretBytes(Array(keys[32..<64])),
            deviceIsTestOnly: true)
        let generated = try exporter.generate(entropy: entropy.randomBytes(32))
        let pending = try importer.makeOffer(entropy: entropy.randomBytes(32))
        guard let offer = RealmExportOffer(encoded: pending.offer.encoded()) else { return 2 }
        let export = try exporter.export(generated, to: offer, entropy: entropy.randomBytes(32))
        guard let received = RealmExport(encoded: export.encoded()) else { return 3 }
        let imported = try pending.accept(received)
        let manifest = try importer.manifest(for: imported)
        guard let decoded = RealmManifest(encoded: manifest.encoded()) else { return 4 }
        let signatures = [try exporter.signManifest(decoded, holding: generated),
                          try importer.signManifest(decoded, holding: imported)]
        try decoded.verify(signatures: signatures, engine: engine)
        let deviceKey = SecretBytes(entropy.randomBytes(32))
        let blob = try RealmSealedSecrets.sealedSecrets(imported, draft: draft, deviceSealingKey: deviceKey, engine: engine)
        _ = try RealmSealedSecrets.openSecrets(blob, draft: draft, deviceSealingKey: deviceKey, engine: engine)
        return 0
    } catch {
        return 5
    }
}
