// The real VaultClient (OPAQUE on the client side, identity checks) over HTTP to the agents, its
// blocking calls run off the cooperative pool.

import CofferHost
import OPAQUE

struct RealmClient: @unchecked Sendable {
    let vault: VaultClient
    let transport: HTTPVaultTransport

    func register(_ id: String, password: String, key: [UInt8]) async throws {
        _ = try await offPool { [self] in
            try self.vault.register(
                id: Array(id.utf8), password: SecretBytes(Array(password.utf8)), backupKey: SecretBytes(key),
                attemptLimit: nil)
        }
    }

    /// The recovered key's bytes.
    func recover(_ id: String, password: String) async throws -> [UInt8] {
        try await offPool { [self] in
            let key = try self.vault.recover(id: Array(id.utf8), password: SecretBytes(Array(password.utf8)))
            return key.withUnsafeBytes { Array($0) }
        }
    }

    /// Runs `recover` and returns its error (nil when it succeeded).
    func recoverError(_ id: String, password: String) async -> (any Error)? {
        do {
            _ = try await recover(id, password: password)
            return nil
        } catch {
            return error
        }
    }
}

extension RealmHarness {
    func realmClient(channel: UInt32) async -> RealmClient {
        let (vault, transport) = await client(channel: channel)
        return RealmClient(vault: vault, transport: transport)
    }
}
