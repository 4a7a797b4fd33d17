import CofferRealmStore

/// Opens the store an operator names (`dir:PATH`, `etcd://HOST:PORT[,...]`): the one place the
/// front-end meets the store backends. It reads discovery only.
enum RealmStoreOpening {
    static func open(_ address: String) async throws -> any RealmStore {
        try openRealmStore(address)
    }
}
