// The public types a realm member speaks in (../shared/REALM.md): why it refuses (`RealmError`, with
// its stable wire code), the vault request a front-end forwards, the response a leader releases, and
// what a capture returns. The link (RealmLink.swift) carries them as bytes.

import CofferProtocol

/// Why a member refused a realm message. Extend-only.
public enum RealmError: Error, Equatable {
    /// The chip failed underneath.
    case hal(HALError)
    /// The chip is not a realm member (it has not joined, or was zeroized).
    case notMember
    /// `join` on a chip that is already a member.
    case alreadyMember
    /// The membership page is written but does not open: the member serves nothing.
    case membershipDamaged
    /// The chip's identity key is not in the configuration it was asked to join.
    case notInGroup
    /// The member lost its tail (a missing or mismatched page): it votes again only after a jump.
    case needsJump
    /// The message names another realm, group, configuration or range.
    case wrongGroup
    /// A MAC does not verify: nobody in the group made it.
    case forged
    /// The entry is not the next one on this member's chain (index or previous hash).
    case notNext
    /// A batch while the previous one is still waiting for its commit.
    case busy
    /// Statements or a step-down with no batch waiting.
    case noProposal
    /// The proof's root is not the member's tail root.
    case proofMismatch
    /// The proof does not cover a key the batch touches.
    case proofIncomplete
    /// A leaf is missing, does not hash to the proof's value, or does not open.
    case leafInvalid
    /// A batch with no requests or more than an entry can carry.
    case batchSize
    /// A jump certificate without statements from a majority of the other members, or not for the
    /// entry; or a jump that would not move the member forward.
    case certificateInsufficient
    /// The chip cannot take a realm role now: it is blank, zeroized, or provisioned as a standalone
    /// vault (one chip has one role; docs/PROTOCOL.md §11.8).
    case wrongRole
}

/// Runs a HAL call and files its error as `RealmError.hal`.
@inline(__always)
func realm<T>(_ body: @autoclosure () throws(HALError) -> T) throws(RealmError) -> T {
    do {
        return try body()
    } catch {
        throw .hal(error)
    }
}

/// A vault request as a realm's front-end forwards it: `handle` is the agent's, to match the
/// response; `channel` names the client's session (a login's KE3 must come on its KE1's channel).
public struct RealmRequest: Equatable, Sendable {
    public let handle: UInt64
    public let channel: UInt32
    public let request: VaultRequest

    public init(handle: UInt64, channel: UInt32, request: VaultRequest) {
        self.handle = handle
        self.channel = channel
        self.request = request
    }
}

/// A response the leader releases once its entry is committed (or reports abandoned).
public struct RealmResponse: Equatable, Sendable {
    public let handle: UInt64
    public let reply: VaultReply

    public init(handle: UInt64, reply: VaultReply) {
        self.handle = handle
        self.reply = reply
    }
}

/// What a capture returns: the member's statement (nil when it already voted at that index or
/// beyond, before it lost its tail: it then follows the chain without voting), and the responses of
/// its own batch if the entry it captured at that index is not its own (it stepped down).
public struct RealmCapture: Equatable, Sendable {
    public let statement: RealmStatement?
    public let abandoned: [RealmResponse]

    public init(statement: RealmStatement?, abandoned: [RealmResponse]) {
        self.statement = statement
        self.abandoned = abandoned
    }
}

extension RealmError {
    /// The stable wire code of this error (never renumbered; every HAL error is one code).
    public var wireCode: UInt8 {
        switch self {
        case .hal: 0x01
        case .notMember: 0x02
        case .alreadyMember: 0x03
        case .membershipDamaged: 0x04
        case .notInGroup: 0x05
        case .needsJump: 0x06
        case .wrongGroup: 0x07
        case .forged: 0x08
        case .notNext: 0x09
        case .busy: 0x0A
        case .noProposal: 0x0B
        case .proofMismatch: 0x0C
        case .proofIncomplete: 0x0D
        case .leafInvalid: 0x0E
        case .batchSize: 0x0F
        case .certificateInsufficient: 0x10
        case .wrongRole: 0x11
        }
    }

    /// The error a wire code names, for an agent (a HAL error comes back as `.hal(.ioFailure)`: the
    /// wire does not say which); nil for an unknown code.
    public init?(wireCode: UInt8) {
        switch wireCode {
        case 0x01: self = .hal(.ioFailure)
        case 0x02: self = .notMember
        case 0x03: self = .alreadyMember
        case 0x04: self = .membershipDamaged
        case 0x05: self = .notInGroup
        case 0x06: self = .needsJump
        case 0x07: self = .wrongGroup
        case 0x08: self = .forged
        case 0x09: self = .notNext
        case 0x0A: self = .busy
        case 0x0B: self = .noProposal
        case 0x0C: self = .proofMismatch
        case 0x0D: self = .proofIncomplete
        case 0x0E: self = .leafInvalid
        case 0x0F: self = .batchSize
        case 0x10: self = .certificateInsufficient
        case 0x11: self = .wrongRole
        default: return nil
        }
    }
}
