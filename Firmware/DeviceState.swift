// The device's lifecycle as an enum whose payload is exactly what each state has: nothing before
// the fuses are burned, keys and a store after, nothing again once zeroized.

import CofferProtocol
import OPAQUE

/// What a device with a burned UDS knows: its serial, the keys derived from the UDS, and the store
/// those keys open. Built at boot; dropped (and wiped) on zeroize.
final class ChipIdentity<B: Board> {
    typealias Store = SecureStore<B.Flash, B.Counters, B.Engine>
    let serial: UInt64
    let keys: DeviceKeys
    /// The OPAQUE server AKE key pair.
    let ake: OPAQUEKeyPair<B.Engine.Suite>
    /// The OPAQUE server: AKE key pair, oprf_seed, the vault's context string.
    let opaque: OPAQUEServer<B.Engine.Suite>
    let store: Store
    /// The identity key's signature over the AKE public key, made on first use.
    var identitySignature: [UInt8]?

    init(fuses: FuseContents, board: B, geometry: StoreGeometry) throws(FirmwareError) {
        serial = fuses.serial
        keys = try DeviceKeys(uds: fuses.uds, engine: board.engine)
        do {
            ake = try OPAQUEKeyPair(diffieHellmanSeed: keys.akeSeed, suite: board.engine.suite)
            opaque = try OPAQUEServer(
                suite: board.engine.suite, context: board.engine.vaultSuite.context, keyPair: ake,
                oprfSeed: keys.oprfSeed)
        } catch {
            throw .hal(.cryptoFailure)
        }
        store = try Store(
            flash: board.flash, counters: board.counters, engine: board.engine, keys: StoreKeys(keys),
            geometry: geometry)
    }
}

/// The lifecycle with each state's data.
enum DeviceState<B: Board> {
    case blank
    case manufactured(ChipIdentity<B>)
    case provisioned(ChipIdentity<B>)
    /// Serving; `header` is nil when the flash does not hold this device's store (foreign,
    /// blank or edited), and every store operation is then refused with `storeUnavailable`.
    case operational(ChipIdentity<B>, header: StoreHeader?)
    case zeroized

    var lifecycle: Lifecycle {
        switch self {
        case .blank: .blank
        case .manufactured: .manufactured
        case .provisioned: .provisioned
        case .operational: .operational
        case .zeroized: .zeroized
        }
    }

    var identity: ChipIdentity<B>? {
        switch self {
        case .blank, .zeroized: nil
        case .manufactured(let identity), .provisioned(let identity), .operational(let identity, _): identity
        }
    }
}
