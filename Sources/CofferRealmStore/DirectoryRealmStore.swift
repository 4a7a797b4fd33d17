#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferCrypto

/// The `dir:PATH` store: one machine, any number of agent processes sharing one directory.
///
///     PATH/coffer-realm-store        "coffer realm store 1\n": what this directory is
///     PATH/log/GROUPHEX/INDEX        entry INDEX (20 decimal digits) of a group's log, its wire bytes
///     PATH/blobs/NAMEHEX             a blob, named by the SHA-256 of its bytes
///     PATH/services/KIND/NAMEHEX     a registration: name, address, expiry (JSON), NAMEHEX = hex of the name
///     PATH/tmp/PID-RANDOM            files being written; a dead writer's are swept at open
///
/// The conditional append writes the entry under tmp/ (exclusive create, fsync), links it to its
/// index name, which the kernel refuses when the name exists, so of any number of racing
/// appenders on this machine exactly one wins, and fsyncs the group's directory before saying so.
public final class DirectoryRealmStore: RealmStore {
    /// The directory, as given.
    public let path: String
    static let marker = "coffer-realm-store"
    static let markerContents = Array("coffer realm store 1\n".utf8)

    /// Opens the store at `path`: makes it when `path` is new or an empty directory, refuses a
    /// directory that holds other things (a mistyped path must not become a store), and sweeps
    /// temporary files whose writer process is gone.
    public init(path: String) throws(RealmStoreError) {
        self.path = path
        try DirectoryFiles.makeDirectory(path)
        let markerPath = path + "/" + Self.marker
        var marker = try DirectoryFiles.read(markerPath)
        if marker == nil {
            let others = try DirectoryFiles.names(in: path).filter { $0 != Self.marker && !$0.hasPrefix(".\(Self.marker).") }
            if others.isEmpty {
                // Made first, so that a second process opening the same new directory sees a store.
                let temporary = "\(path)/.\(Self.marker).\(Self.uniqueSuffix())"
                _ = try DirectoryFiles.placeExclusively(Self.markerContents, at: markerPath, temporary: temporary)
            }
            // Read again: another process may have made the store since the first read.
            marker = try DirectoryFiles.read(markerPath)
            guard marker != nil else {
                throw .corrupt("\(path) holds files (\(others.sorted().prefix(3).joined(separator: ", "))) but no \(Self.marker): not a realm store directory")
            }
        }
        guard marker == Self.markerContents else {
            throw .corrupt("\(markerPath) does not say \"coffer realm store 1\": not a store this build knows")
        }
        for directory in ["log", "blobs", "services", "tmp"] {
            try DirectoryFiles.makeDirectory(path + "/" + directory)
        }
        try sweepTemporaryFiles()
    }

    // MARK: The log

    public func append(group: RealmGroupName, index: UInt64, entry: [UInt8]) async throws(RealmStoreError) -> Bool {
        let groupDirectory = logDirectory(group)
        let target = entryPath(group, index)
        let temporary = temporaryPath()
        return try await DirectoryFiles.offload { () throws(RealmStoreError) -> Bool in
            try DirectoryFiles.makeDirectory(groupDirectory)
            return try DirectoryFiles.placeExclusively(entry, at: target, temporary: temporary)
        }
    }

    public func read(group: RealmGroupName, from index: UInt64, limit: Int) async throws(RealmStoreError) -> [StoredEntry] {
        guard limit > 0 else { return [] }
        return try await DirectoryFiles.offload { () throws(RealmStoreError) -> [StoredEntry] in
            var entries: [StoredEntry] = []
            var next = index
            while entries.count < limit, let bytes = try DirectoryFiles.read(self.entryPath(group, next)) {
                entries.append(StoredEntry(index: next, bytes: bytes))
                guard next < UInt64.max else { break }
                next += 1
            }
            return entries
        }
    }

    public func lastIndex(group: RealmGroupName) async throws(RealmStoreError) -> UInt64 {
        let directory = logDirectory(group)
        return try await DirectoryFiles.offload { () throws(RealmStoreError) -> UInt64 in
            var highest: UInt64 = 0
            for name in try DirectoryFiles.names(in: directory) {
                guard name.utf8.count == 20, let index = UInt64(name) else {
                    throw .corrupt("\(directory)/\(name) is not an entry name (20 decimal digits)")
                }
                highest = max(highest, index)
            }
            return highest
        }
    }

    // MARK: Blobs

    public func putBlob(name: [UInt8], bytes: [UInt8]) async throws(RealmStoreError) {
        let target = blobPath(name)
        let temporary = temporaryPath()
        try await DirectoryFiles.offload { () throws(RealmStoreError) in
            if access(target, F_OK) == 0 { return }
            _ = try DirectoryFiles.placeExclusively(bytes, at: target, temporary: temporary)
        }
    }

    public func getBlob(name: [UInt8]) async throws(RealmStoreError) -> [UInt8]? {
        let target = blobPath(name)
        return try await DirectoryFiles.offload { () throws(RealmStoreError) -> [UInt8]? in
            guard let bytes = try DirectoryFiles.read(target) else { return nil }
            let digest = SHA256.hash(bytes)
            guard digest == name else {
                throw .corrupt("blob file \(target): its bytes hash to \(Hex.encode(digest)), not to its name")
            }
            return bytes
        }
    }

    public func deleteBlobs(names: [[UInt8]]) async throws(RealmStoreError) {
        let targets = names.map(blobPath)
        let directory = path + "/blobs"
        try await DirectoryFiles.offload { () throws(RealmStoreError) in
            var removed = false
            for target in targets where try DirectoryFiles.remove(target) { removed = true }
            if removed { try DirectoryFiles.syncDirectory(directory) }
        }
    }

    // MARK: Names

    func logDirectory(_ group: RealmGroupName) -> String { "\(path)/log/\(group.hex)" }

    /// Entry `index`'s file: the index zero-padded to 20 digits, so names sort as numbers do.
    func entryPath(_ group: RealmGroupName, _ index: UInt64) -> String {
        let digits = String(index)
        return logDirectory(group) + "/" + String(repeating: "0", count: 20 - digits.count) + digits
    }

    func blobPath(_ name: [UInt8]) -> String {
        precondition(name.count == 32, "a blob's name is its SHA-256 (32 bytes)")
        return "\(path)/blobs/\(Hex.encode(name))"
    }

    /// A fresh name under tmp/: this process's id (for the sweep) and 64 random bits.
    func temporaryPath() -> String { "\(path)/tmp/\(Self.uniqueSuffix())" }

    static func uniqueSuffix() -> String {
        "\(getpid())-\(Hex.encode(withUnsafeBytes(of: UInt64.random(in: .min ... .max)) { Array($0) }))"
    }

    /// Removes temporary files whose writer process no longer exists (it died between its
    /// exclusive create and its link); a live writer's files are left alone.
    private func sweepTemporaryFiles() throws(RealmStoreError) {
        let directory = path + "/tmp"
        for name in try DirectoryFiles.names(in: directory) {
            guard let dash = name.firstIndex(of: "-"), let pid = pid_t(name[..<dash]) else {
                throw .corrupt("\(directory)/\(name) is not a temporary name this store writes (PID-RANDOM)")
            }
            if kill(pid, 0) != 0 && errno == ESRCH { try DirectoryFiles.remove(directory + "/" + name) }
        }
    }
}
