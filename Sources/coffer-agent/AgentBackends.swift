// The member connections and stores this build of coffer-agent opens, by address. A member over
// CTAPHID (`udp://`, `usb`, `embedded:DIR` on the emulator's realm mode) and the store backends
// (`dir:`, `etcd://`) come from their own modules and are added here at integration; until then an
// address is refused in words and the agent exits 1 without touching anything.

import CofferRealmAgent
import CofferRealmStore

enum AgentBackends {
    /// Opens the member at `address`.
    static func openMember(_ address: String) throws -> any RealmMemberConnection {
        guard let scheme = scheme(of: address), memberSchemes.contains(scheme) else {
            throw AgentCommandError("--member \(address): expected embedded:DIR or udp://HOST:PORT")
        }
        throw AgentCommandError(
            "--member \(address): this build has no \(scheme) member connection yet (the CTAPHID realm link arrives with the emulator's realm mode)")
    }

    /// Opens the store at `address`.
    static func openStore(_ address: String) async throws -> any RealmStore {
        guard let scheme = scheme(of: address), storeSchemes.contains(scheme) else {
            throw AgentCommandError("--store \(address): expected dir:PATH or etcd://HOST:PORT[,...]")
        }
        throw AgentCommandError("--store \(address): this build has no \(scheme) store backend yet")
    }

    static let memberSchemes = ["embedded", "udp"]
    static let storeSchemes = ["dir", "etcd"]

    static func scheme(of address: String) -> String? {
        guard let colon = address.firstIndex(of: ":") else { return nil }
        return String(address[..<colon])
    }
}
