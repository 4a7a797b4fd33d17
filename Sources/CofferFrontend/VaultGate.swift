import CofferProtocol
import CofferRealmAccess

/// What the front-end does with one vault message of an authenticated account: the bytes to forward
/// to the leader agent, or a refusal with its HTTP status and reason. Pure: no I/O, nothing kept.
public enum VaultGateDecision: Equatable, Sendable {
    /// Forward `body` (channel ‖ command ‖ payload) to the leader agent.
    case forward(body: [UInt8], operation: VaultOperation)
    /// Refuse with `status` (400 or 403) and a reason for the client; nothing is forwarded.
    case refuse(status: Int, reason: String)
}

/// The front-end's check of a vault message (`command ‖ payload`) before it goes anywhere.
///
/// The message must decode as the device would decode it (so a malformed one costs no member a
/// thing), be an account operation (operator commands go to a chip, never through a front-end), and
/// every record id it names must be the one this account owns: nobody spends another account's
/// guesses. LoginFinish names no id; it travels on the account's own channel, where only this
/// account's LoginStart can have left a pending login.
public struct VaultGate: Sendable {
    public let realmID: [UInt8]

    public init(realmID: [UInt8]) {
        self.realmID = realmID
    }

    public func decide(account: String, message: [UInt8]) -> VaultGateDecision {
        guard let command = message.first else { return .refuse(status: 400, reason: "empty body: no vault command") }
        let payload = Array(message.dropFirst())
        let request: VaultRequest
        do {
            request = try VaultRequest(command: command, payload: payload)
        } catch {
            return .refuse(status: 400, reason: "the vault message does not decode: \(error)")
        }
        let owned = AccountRecordID.derive(realmID: realmID, account: account)
        let named: [UInt8]?
        switch request {
        case .getInfo, .loginFinish: named = nil
        case .registerStart(let start): named = start.credentialID
        case .registerFinish(let finish): named = finish.credentialID
        case .loginStart(let start): named = start.credentialID
        case .counters, .manufacture, .provision, .zeroize:
            return .refuse(status: 403, reason: "operator commands are not served through a front-end")
        }
        if let named, named != owned {
            return .refuse(status: 403, reason: "the record id is not this account's")
        }
        let channel = AccountRecordID.channel(realmID: realmID, account: account)
        let channelBytes = (0..<4).map { UInt8(truncatingIfNeeded: channel >> (24 - 8 * $0)) }
        return .forward(body: channelBytes + [command] + payload, operation: request.operation)
    }
}
