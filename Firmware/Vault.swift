// The chip's application: vault requests in, replies out. Everything physical comes through the
// board; nothing here blocks, allocates without bound, or touches a clock.

import CofferProtocol
import OPAQUE

/// The vault firmware on a board: lifecycle, keys, secure store, counters and the vault commands.
///
/// Build one per boot: `init` reads the fuses and counters, derives the keys and checks the store,
/// finishing any destruction a power cut interrupted. Then hand it each request with the channel
/// it came on. A restart is simply a new instance on the same board.
public final class Vault<B: Board> {
    public typealias Suite = B.Engine.Suite
    let board: B
    /// The configuration this instance was built with.
    public let configuration: FirmwareConfiguration
    var state: DeviceState<B>
    var pending: PendingTable<PendingLogin<ServerLoginState>>
    var registrations: PendingTable<PendingRegistration>
    /// Realm mode beside the vault (docs/PROTOCOL.md §11.8): a member on this board, on a manufactured
    /// chip only; nil otherwise, or when it could not boot (`realmFault` says why).
    var realm: RealmMember<B>?
    var realmFault: RealmError?

    /// Boots the firmware on `board`.
    ///
    /// - Throws: `FirmwareError.hal` when the fuses or counters cannot be read, or the counter bank
    ///   or flash are too small for `configuration.geometry`. A flash that holds no store of this
    ///   device does not throw: the device boots and reports `storeUnavailable`.
    public init(board: B, configuration: FirmwareConfiguration = FirmwareConfiguration()) throws(FirmwareError) {
        self.board = board
        self.configuration = configuration
        pending = PendingTable(capacity: configuration.pendingLoginCapacity)
        registrations = PendingTable(capacity: configuration.pendingRegistrationCapacity)
        let counterLayout = CounterLayout(slotCount: configuration.geometry.slotCount)
        guard board.counters.count >= counterLayout.requiredCount else { throw .hal(.outOfRange) }
        let fuses = try hal(try board.fuses.read())
        let counter = try hal(try board.counters.read(CounterLayout.lifecycle))
        let lifecycle = Lifecycle(counter: counter, fusesBurned: fuses != nil)
        guard let fuses, lifecycle != .zeroized else {
            state = lifecycle == .zeroized ? .zeroized : .blank
            if lifecycle == .zeroized { eraseFlash() }
            return
        }
        // Keys for one suite derived from a UDS made for another would share bytes with that
        // suite's (HKDF outputs of one label differ only in length), so the device refuses to boot.
        let served = board.engine.vaultSuite
        guard fuses.suite == served, VaultSuite.known.contains(served) else {
            throw .suiteMismatch(fused: fuses.suite, firmware: served)
        }
        let identity = try ChipIdentity(fuses: fuses, board: board, geometry: configuration.geometry)
        switch lifecycle {
        case .manufactured: state = .manufactured(identity)
        case .provisioned: state = .provisioned(identity)
        default: state = .operational(identity, header: nil)
        }
        if lifecycle == .operational { openStore(identity) }
        bootRealm()
    }

    /// The suite this firmware serves: its engine's (see `CryptoEngine.vaultSuite`).
    public var servedSuite: VaultSuite { board.engine.vaultSuite }

    /// The current lifecycle state.
    public var lifecycle: Lifecycle { state.lifecycle }

    /// Logins awaiting their KE3.
    public var pendingLoginCount: Int { pending.count }

    /// Registrations awaiting their RegisterFinish.
    public var pendingRegistrationCount: Int { registrations.count }

    // MARK: Dispatch

    /// Handles the payload of vendor command `command` received on `channel`; returns the reply
    /// payload (status byte, then the body). Realm commands (0x60–0x6E) go to the realm member.
    public func handle(command: UInt8, payload: [UInt8], channel: UInt32) -> [UInt8] {
        if Self.isRealmCommand(command) { return handleRealm(command: command, payload: payload) }
        let request: VaultRequest
        do {
            request = try VaultRequest(command: command, payload: payload)
        } catch {
            return VaultReply(status: VaultStatus(error)).encoded()
        }
        return handle(request, channel: channel).encoded()
    }

    /// Handles a decoded request received on `channel`.
    public func handle(_ request: VaultRequest, channel: UInt32) -> VaultReply {
        if isRealmMember, !Self.servedToRealmMember(request.operation) { return VaultReply(status: .realmMember) }
        guard lifecycle.allows(request.operation) else { return VaultReply(status: .notAllowedInState) }
        do throws(FirmwareError) {
            return VaultReply(status: .ok, body: try perform(request, channel: channel))
        } catch {
            return VaultReply(status: error.status)
        }
    }

    private func perform(_ request: VaultRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        switch request {
        case .getInfo: return try info().encoded()
        case .counters(let page): return try counters(page).encoded()
        case .manufacture(let order): return try manufacture(order)
        case .provision(let order): return try provision(order)
        case .zeroize(let order): return try zeroize(order)
        case .registerStart(let start): return try registerStart(start, channel: channel)
        case .registerFinish(let finish): return try registerFinish(finish, channel: channel)
        case .loginStart(let start): return try loginStart(start, channel: channel)
        case .loginFinish(let finish): return try loginFinish(finish, channel: channel)
        }
    }

    // MARK: Reports

    private func info() throws(FirmwareError) -> GetInfoResponse {
        var counts = (records: 0, tombstones: 0, damaged: 0)
        var defaultLimit: UInt8 = 0
        var maxLimit: UInt8 = 0
        var ake: [UInt8] = []
        var identityKey: [UInt8] = []
        var signature: [UInt8] = []
        if let identity = state.identity {
            for slotState in identity.store.states {
                switch slotState {
                case .record: counts.records += 1
                case .tombstone: counts.tombstones += 1
                case .damaged: counts.damaged += 1
                case .empty: break
                }
            }
            if case .operational(_, let header?) = state {
                defaultLimit = header.defaultAttemptLimit
                maxLimit = header.maxAttemptLimit
            }
            ake = identity.ake.publicKey
            identityKey = identity.keys.identityPublicKey
            signature = try identitySignature(identity)
        }
        return GetInfoResponse(
            protocolVersion: CofferProtocolVersion.current, firmwareVersion: FirmwareConfiguration.firmwareVersion,
            serial: state.identity?.serial ?? 0, lifecycle: lifecycle,
            slotCount: UInt16(configuration.geometry.slotCount), recordCount: UInt16(counts.records),
            tombstoneCount: UInt16(counts.tombstones), damagedCount: UInt16(counts.damaged),
            defaultAttemptLimit: defaultLimit, maxAttemptLimit: maxLimit, akePublicKey: ake, identityPublicKey: identityKey,
            identitySignature: signature, suite: servedSuite, deviceKind: configuration.deviceKind)
    }

    private func identitySignature(_ identity: ChipIdentity<B>) throws(FirmwareError) -> [UInt8] {
        if let cached = identity.identitySignature { return cached }
        let message = IdentityStatement.message(
            serial: identity.serial, deviceKind: configuration.deviceKind, akePublicKey: identity.ake.publicKey)
        let signature = try hal(
            try board.engine.ecdsaSign(privateKey: identity.keys.identityPrivateKey.bytes, message: message))
        identity.identitySignature = signature
        return signature
    }

    /// The device-wide counters, and per-slot counters only where the operator asked the device to
    /// show them: they tell which record a login hit, so anyone else could use them to probe ids.
    private func counters(_ page: CountersRequest) throws(FirmwareError) -> CountersResponse {
        let layout = CounterLayout(slotCount: configuration.geometry.slotCount)
        let first = Int(page.firstSlot)
        guard first <= layout.slotCount else { throw .refused(.malformed) }
        guard page.count == 0 || configuration.showsSlotCounters else { throw .refused(.operatorOnly) }
        let count = min(Int(page.count), VaultLimits.countersPerPage, layout.slotCount - first)
        var slots: [SlotCounters] = []
        for slot in first..<first + count {
            slots.append(
                SlotCounters(
                    version: try hal(try board.counters.read(layout.version(slot))),
                    attempts: try hal(try board.counters.read(layout.attempts(slot)))))
        }
        let lifecycleCounter = try hal(try board.counters.read(CounterLayout.lifecycle))
        return CountersResponse(
            lifecycleCounter: lifecycleCounter, bootCounter: try hal(try board.counters.read(CounterLayout.boots)),
            sealSequence: try hal(try board.counters.read(CounterLayout.sealSequence)), slotCount: UInt16(layout.slotCount), firstSlot: page.firstSlot,
            slots: slots)
    }
}
