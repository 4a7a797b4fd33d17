// How an agent reaches its member: the byte link of Firmware/Realm/RealmLink.swift, one vendor command
// (0x60...) and its payload in, the member's reply bytes out. The agent trusts nothing the member does
// not also prove (statements carry MACs, entries chain), so a connection only has to carry bytes.

import CofferFirmware
import Foundation

/// A link to one realm member: sends one RealmLink request, returns the member's reply bytes.
/// In-process over a `RealmMember` today; over CTAPHID (udp://, usb) at integration.
public protocol RealmMemberConnection: Sendable {
    /// Sends `payload` as realm vendor command `command` and returns the reply bytes
    /// (`RealmLinkReply`'s encoding: status ‖ body).
    func exchange(command: UInt8, payload: [UInt8]) async throws -> [UInt8]
}

/// A member in this process (`--member embedded:DIR`, tests): one call at a time, as over a wire,
/// since `RealmMember` is a plain class that keeps its proposal and pending logins in its fields.
public final class InProcessMemberConnection<B: Board>: RealmMemberConnection, @unchecked Sendable {
    private let lock = NSLock()
    private let member: RealmMember<B>

    /// A connection to `member`; nothing else may call it afterwards.
    public init(member: RealmMember<B>) {
        self.member = member
    }

    public func exchange(command: UInt8, payload: [UInt8]) async throws -> [UInt8] {
        lock.withLock { member.handle(command: command, payload: payload) }
    }
}
