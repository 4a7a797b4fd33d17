import CofferEtcdCluster
import CofferRealmStore
import Foundation

/// Conditional appends per second through the realm's store: on `dir:` and on a 3-member etcd on
/// loopback, by one appender and by 16 concurrent appenders on distinct groups, each beside the
/// same operations done raw by Benchmarks/store_reference.py in the same run (the syscalls of a
/// durable exclusive create and link; etcd's conditional transaction over one keep-alive HTTP
/// connection per appender). Each figure counts the appends that complete in `seconds`.
struct StoreAppends {
    let seconds: Double
    /// The bytes of each entry (a realm log entry with a small batch).
    private let entry = [UInt8](repeating: 0xE7, count: 256)

    func run() async throws -> [Measurement] {
        let scratch = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var figures: [Measurement] = []

        let directory = try DirectoryRealmStore(path: scratch + "/store")
        for appenders in [1, 16] {
            let ours = try await appendsPerSecond(directory, appenders: appenders, tag: "dir")
            let raw = try reference(["dir", scratch + "/raw-\(appenders)", String(appenders), String(seconds)])
            figures.append(measurement("dir: appends/s, \(appenders) appender\(appenders > 1 ? "s" : "")", ours, raw,
                                       "raw open(O_EXCL)+fsync+link+fsync(dir), \(appenders) thread(s)"))
        }

        let cluster = try EtcdCluster(size: 3)
        defer { cluster.stop() }
        let etcd = try openRealmStore(cluster.address)
        for appenders in [1, 16] {
            let ours = try await appendsPerSecond(etcd, appenders: appenders, tag: "etcd")
            let raw = try reference(["etcd", cluster.members[0].endpoint, String(appenders), String(seconds)])
            figures.append(measurement("etcd 3-member: appends/s, \(appenders) appender\(appenders > 1 ? "s" : "")", ours, raw,
                                       "raw etcd txn (create_revision=0) over keep-alive HTTP, \(appenders) connection(s)"))
        }
        return figures
    }

    private func measurement(_ name: String, _ ours: Double, _ raw: Double, _ reference: String) -> Measurement {
        Measurement(name: name, value: ours, unit: "appends/s", target: 0.5, reference: .measured(name: reference, value: raw))
    }

    /// `appenders` tasks, each appending indices 1, 2, ... to its own group until time is up.
    private func appendsPerSecond(_ store: any RealmStore, appenders: Int, tag: String) async throws -> Double {
        let entry = entry
        let start = monotonicNanoseconds()
        let end = start + UInt64(seconds * 1e9)
        let total = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for appender in 0..<appenders {
                let group = RealmGroupName(id: [UInt8(appenders), UInt8(appender)] + [UInt8](repeating: 0xB5, count: 14))
                tasks.addTask {
                    var index: UInt64 = 1
                    while monotonicNanoseconds() < end {
                        guard try await store.append(group: group, index: index, entry: entry) else {
                            throw BenchFailure("\(tag): append at free index \(index) refused")
                        }
                        index += 1
                    }
                    return Int(index - 1)
                }
            }
            return try await tasks.reduce(0, +)
        }
        return Double(total) / (Double(monotonicNanoseconds() - start) / 1e9)
    }

    /// store_reference.py's figure for `arguments`.
    private func reference(_ arguments: [String]) throws -> Double {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("store_reference.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchFailure("store_reference.py \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return value
    }

    /// A fresh directory under .bench/ (the repository's disk, as a store's would be; /tmp may be
    /// memory).
    private static func temporaryDirectory() throws -> String {
        try? FileManager.default.createDirectory(atPath: ".bench", withIntermediateDirectories: true)
        var bytes = Array(".bench/store-XXXXXX".utf8CString)
        guard let made = mkdtemp(&bytes) else { throw BenchFailure("mkdtemp failed: \(errno)") }
        return FileManager.default.currentDirectoryPath + "/" + String(cString: made)
    }
}
