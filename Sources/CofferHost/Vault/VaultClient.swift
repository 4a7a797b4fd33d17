import CTAPHID
import CofferCrypto
import CofferProtocol
import OPAQUE

/// A device's description, with its identity checked: the signature over its AKE key verifies
/// under its identity key, and that key and serial are the ones pinned for the address the client
/// reached it at (or were pinned now).
public struct VerifiedDevice: Sendable {
    /// What GetInfo said.
    public let info: GetInfoResponse
    /// What the pin check found; nil when the device is not pinned (an in-memory embedded device).
    public let pin: DevicePins.Outcome?
    /// The pin check in full (which pin, and whether it was written or replaced now); nil when not pinned.
    public var pinVerdict: DevicePins.Verdict? = nil
}

/// The vault's client side: the protocol's requests over a transport, OPAQUE on this side, and the
/// identity checks that let a client trust the device it talks to.
public final class VaultClient {
    /// The device (or realm front-end) the requests go to.
    public let transport: any VaultTransport
    /// In realm mode, the realm pinned by its manifest and the account served; nil for a device.
    public let realm: RealmPin?
    let pins: DevicePins?
    let pinPolicy: PinPolicy
    let random: any RandomSource
    /// The P256-SHA256 suite this client runs against a device that serves it (scrypt by default).
    let p256Suite: P256SHA256Suite
    /// The ristretto255-SHA512 suite this client runs against a device that serves it (opaque-ke's
    /// Argon2id by default).
    let ristretto255Suite: Ristretto255SHA512Suite

    /// A client of the device behind `transport`. With `pins`, every vault operation first checks
    /// the device's identity against the pin of the address it was reached at, as `pinPolicy` says
    /// (by default the transport's address, and a changed identity refused).
    ///
    /// The client follows the suite the device reports in GetInfo; `p256Suite` and `ristretto255Suite`
    /// only choose each suite's key stretching (tests use the identity KSF to stay fast).
    ///
    /// With `realm`, the client talks to a realm through its front-end: the identity check is against
    /// the realm's manifest instead of a device pin (`RealmPin.check`), and ids are the account's record id.
    public init(transport: any VaultTransport, pins: DevicePins?, random: any RandomSource = SystemRandom(),
                pinPolicy: PinPolicy = PinPolicy(), p256Suite: P256SHA256Suite = P256SHA256Suite(),
                ristretto255Suite: Ristretto255SHA512Suite = Ristretto255SHA512Suite(), realm: RealmPin? = nil) {
        self.transport = transport
        self.realm = realm
        self.p256Suite = p256Suite
        self.ristretto255Suite = ristretto255Suite
        self.pins = pins
        self.pinPolicy = pinPolicy
        self.random = random
    }

    /// GetInfo, as the device says it (nothing checked).
    public func info() throws(VaultError) -> GetInfoResponse {
        let body = try call(.getInfo)
        do {
            return try GetInfoResponse(decoding: body)
        } catch {
            throw .malformedReply(.getInfo)
        }
    }

    /// GetInfo with the identity checked: the signature, then the pin of the address the device
    /// was reached at. Every vault operation starts here, so a device that is not the pinned one
    /// hears nothing more than GetInfo. A zeroized device has no identity left and is reported as such.
    public func verifiedDevice() throws(VaultError) -> VerifiedDevice {
        let info = try info()
        if info.lifecycle == .zeroized { throw .deviceZeroized }
        guard info.lifecycle == .operational else { throw .notOperational(info.lifecycle) }
        let statement = IdentityStatement.message(
            serial: info.serial, deviceKind: info.deviceKind, akePublicKey: info.akePublicKey)
        guard let identity = try? ECDSAVerifyingKey(sec1: info.identityPublicKey),
            identity.isValidSignature(info.identitySignature, for: statement)
        else { throw .identityInvalid(serial: info.serial) }
        if let realm {
            try realm.check(info)
            return VerifiedDevice(info: info, pin: nil)
        }
        guard let pins else { return VerifiedDevice(info: info, pin: nil) }
        // Pinned by what the user addressed, never by the serial the device claims: a relay can
        // send the client to any device, which may claim any serial, but it cannot sign with the
        // pinned identity key.
        let address = pinPolicy.address ?? DevicePins.address(naming: transport.deviceName)
        let verdict = try pins.check(address: address, serial: info.serial, identityKey: info.identityPublicKey,
                                     trustNewDevice: pinPolicy.trustNewDevice)
        if verdict.notice != nil { pinPolicy.onPinWritten(verdict) }
        return VerifiedDevice(info: info, pin: verdict.outcome, pinVerdict: verdict)
    }

    /// The device-wide counters and every slot's counters, page by page; no slots when the device
    /// shows them to its operator only.
    public func counters() throws(VaultError) -> CountersResponse {
        var all: CountersResponse?
        var first: UInt16 = 0
        repeat {
            let request = CountersRequest(firstSlot: first, count: UInt16(VaultLimits.countersPerPage))
            let page: CountersResponse
            do {
                page = try CountersResponse(decoding: call(.counters(request)))
            } catch VaultError.refused(.operatorOnly, _) where all == nil {
                return try countersPage(CountersRequest(firstSlot: 0, count: 0))
            } catch let error as VaultError {
                throw error
            } catch {
                throw .malformedReply(.counters)
            }
            if all == nil { all = page } else { all!.slots += page.slots }
            guard !page.slots.isEmpty else { break }
            first += UInt16(page.slots.count)
        } while Int(first) < Int(all!.slotCount)
        return all!
    }

    private func countersPage(_ request: CountersRequest) throws(VaultError) -> CountersResponse {
        let body = try call(.counters(request))
        do {
            return try CountersResponse(decoding: body)
        } catch {
            throw .malformedReply(.counters)
        }
    }

    /// Takes a device to operational: Manufacture (when its fuses are blank, with `serial`), then
    /// Provision with the default guess limit. Returns the device's description afterwards.
    public func provision(serial: UInt64, defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8? = nil)
        throws(VaultError) -> GetInfoResponse
    {
        let most = maxAttemptLimit ?? max(defaultAttemptLimit, VaultLimits.defaultMaxAttemptLimit)
        let before = try info()
        switch before.lifecycle {
        case .operational: throw .refused(.notAllowedInState, operation: .provision)
        case .zeroized: throw .deviceZeroized
        case .blank:
            try call(.manufacture(ManufactureRequest(serial: serial)))
            fallthrough
        case .manufactured, .provisioned:
            try call(.provision(ProvisionRequest(defaultAttemptLimit: defaultAttemptLimit, maxAttemptLimit: most)))
        }
        return try info()
    }

    /// Destroys every record and key on the device, for good. `serial` must be the device's.
    public func zeroize(serial: UInt64) throws(VaultError) {
        do {
            try call(.zeroize(ZeroizeRequest(serial: serial)))
        } catch .refused(.confirmationMismatch, _) {
            throw .refused(.confirmationMismatch, operation: .zeroize)
        }
    }

    /// Sends `request` and returns the body of an `ok` reply; other statuses become errors.
    @discardableResult
    func call(_ request: VaultRequest) throws(VaultError) -> [UInt8] {
        let payload: [UInt8]
        do {
            payload = try transport.request(CTAPHIDCommand(rawValue: request.operation.rawValue),
                                            payload: request.encodedPayload())
        } catch {
            throw .device(error)
        }
        guard let reply = try? VaultReply(decoding: payload) else { throw .malformedReply(request.operation) }
        switch reply.status {
        case .ok: return reply.body
        case .recordDestroyed: throw .keyDestroyed(justNow: false)
        case .credentialExists: throw .credentialExists
        default: throw .refused(reply.status, operation: request.operation)
        }
    }
}
