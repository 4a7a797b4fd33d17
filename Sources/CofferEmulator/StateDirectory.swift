#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the emulated chip keeps its media: `fuses`, `counters`, `flash.img` and the `lock` file.
public struct StateDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// The directory at `path`, made absolute against the current directory.
    public init(path: String) {
        if path.hasPrefix("/") {
            self.path = path
        } else {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd =
                getcwd(&buffer, buffer.count).map { _ in
                    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                } ?? "."
            self.path = cwd + "/" + path
        }
    }

    /// The per-user default: `$XDG_STATE_HOME/coffer`, else `$HOME/.local/state/coffer`.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/coffer"
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/state/coffer"
    }

    /// The path of the file `name` in this directory.
    public func file(_ name: String) -> String {
        path + "/" + name
    }

    public var fusesPath: String { file(FuseFile.fileName) }
    public var countersPath: String { file(CounterFile.fileName) }
    public var flashPath: String { file(FlashImage.fileName) }
    /// The fingerprint of the seed the device was made from, if it was made with `--seed`.
    public var seedFingerprintPath: String { file(SeedFingerprint.fileName) }

    /// Present only while a device is being made here, from before its first media file until its
    /// fuses are burned: media without fuses and without this marker are a device that lost its
    /// fuses, never an `init` to finish.
    public var initialisingPath: String { file("initialising") }

    /// Whether any of the chip's media files exist here yet.
    public var holdsAnyState: Bool {
        [fusesPath, countersPath, flashPath].contains { DurableDirectory.exists($0) }
    }

    /// The media files of a chip found here (full paths), fuses, counters and flash in that order.
    public var mediaFiles: [String] {
        [fusesPath, countersPath, flashPath].filter { DurableDirectory.exists($0) }
    }

    /// Names in the directory that no Coffer device put there (a directory that holds some is not a
    /// state directory, and no device is made in it); empty when the directory does not exist.
    public var foreignEntries: [String] {
        let ours: Set<String> = [FuseFile.fileName, CounterFile.fileName, FlashImage.fileName, StateLock.fileName,
                                 SeedFingerprint.fileName, "initialising"]
        guard let stream = opendir(path) else { return [] }
        defer { closedir(stream) }
        var foreign: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            // "NAME.new" is a durable write's temporary, cut short.
            let base = name.hasSuffix(".new") ? String(name.dropLast(4)) : name
            if name != "." && name != ".." && !ours.contains(base) { foreign.append(name) }
        }
        return foreign.sorted()
    }

    /// Creates the directory (and its parents) with mode 0700 if it is missing.
    public func create() throws(StateFileError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw StateFileError(path: prefix, problem: .system(operation: "mkdir", errno: errno))
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StateFileError(path: path, problem: .malformed("not a directory"))
        }
    }
}
