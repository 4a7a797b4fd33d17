import CofferRealmStore

/// Opens the store an operator names (`dir:PATH`, `etcd://...`): the one place the front-end meets the
/// store backends, which the store's own module provides (issue 13's backends).
enum RealmStoreOpening {
    static func open(_ address: String) async throws -> any RealmStore {
        // INTEGRATION: replace with the backends' factory (RealmStoreAddress → DirectoryRealmStore /
        // EtcdRealmStore) when the store branch is merged; until then this build names no backend.
        throw RealmStoreError.invalidAddress(address, reason: "this build of coffer-frontend has no store backend yet")
    }
}
