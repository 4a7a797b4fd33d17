// The member connections and stores coffer-agent opens, by address. A member is any Coffer chip
// joined to a realm, reached over CTAPHID as cofferctl reaches a device (`udp://HOST:PORT` for an
// emulator started with `--realm-member`, `embedded:DIR` for the firmware in this process on an
// emulator state dir, `usb...` for a device on the bus); the store is `dir:PATH` or
// `etcd://HOST:PORT[,...]` (CofferRealmStore).

import CTAPHID
import CofferHost
import CofferRealmAgent
import CofferRealmStore
import Foundation

enum AgentBackends {
    /// Opens the member at `address` and a CTAPHID channel to it.
    static func openMember(_ address: String) throws -> any RealmMemberConnection {
        let parsed: DeviceAddress
        do {
            parsed = try DeviceAddress(parsing: address)
        } catch {
            throw AgentCommandError("--member \(address): \(error)")
        }
        if case .frontend = parsed {
            throw AgentCommandError("--member \(address): a front-end is not a member; expected udp://HOST:PORT, embedded:DIR or usb")
        }
        if case .embedded(nil) = parsed {
            throw AgentCommandError("--member embedded: a member in memory would forget its realm; give embedded:DIR")
        }
        let connection = DeviceMemberConnection { () throws(DeviceError) in try DeviceConnector.open(parsed) }
        do {
            try connection.connect()
        } catch {
            throw AgentCommandError("--member \(address): \(error)")
        }
        return connection
    }

    /// Opens the store at `address`.
    static func openStore(_ address: String) async throws -> any RealmStore {
        do {
            return try openRealmStore(address)
        } catch {
            throw AgentCommandError("--store \(address): \(error)")
        }
    }
}

/// A member over a CTAPHID channel: each exchange is one vendor command and its reply, one at a
/// time (the transport is a single channel, as a USB device is).
///
/// An exchange that fails (no answer in time, an answer to another command) drops the link, and the
/// next exchange opens a new one (a new socket and CTAPHID channel). A member that was stopped past
/// the link's patience answers the calls given up on once it runs again; on the old link each such
/// late answer would be read as the answer to the next call, and every call after it would be off
/// by one, for good.
final class DeviceMemberConnection: RealmMemberConnection, @unchecked Sendable {
    private let lock = NSLock()
    private let open: () throws(DeviceError) -> CTAPHIDTransport
    private var transport: CTAPHIDTransport?

    init(open: @escaping () throws(DeviceError) -> CTAPHIDTransport) {
        self.open = open
    }

    /// Opens the link now (at start, so that a wrong address is reported at once).
    func connect() throws {
        try lock.withLock {
            if transport == nil { transport = try open() }
        }
    }

    func exchange(command: UInt8, payload: [UInt8]) async throws -> [UInt8] {
        try lock.withLock {
            let link = try transport ?? open()
            transport = link
            do {
                return try link.request(CTAPHIDCommand(rawValue: command), payload: payload)
            } catch {
                transport = nil
                throw error
            }
        }
    }
}
