// FoundationEssentials where there is one: the emulator's start-up stays clear of the whole of
// Foundation (and ICU), whose loading costs more than everything else it does before it is ready.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running `serve`'s note in the per-user runtime directory, so `cofferctl devices` can list the
/// emulators on this machine: the file `<pid>.json`, written once the device is served and removed on
/// a clean exit (SIGINT, SIGTERM). A process killed outright leaves its note behind; a note whose
/// process is gone, or whose port nobody holds, is stale: ignored, and removed by `running(in:)`.
public struct EmulatorAnnouncement: Codable, Equatable, Sendable {
    /// The environment variable that names the runtime directory (for tests and odd setups).
    public static let directoryVariable = "COFFER_RUNTIME_DIR"

    /// The emulator's process id (also the file's name).
    public var pid: Int32
    /// The address it bound, as given to `--bind`.
    public var host: String
    /// The UDP port it serves on.
    public var port: UInt16
    /// What to pass as `--device` from this machine: `udp://HOST:PORT`, with a wildcard bind
    /// turned into loopback.
    public var address: String
    /// The device serial, 16 lowercase hex digits.
    public var serial: String
    /// The absolute path of the state directory.
    public var stateDir: String
    /// Damage the device was started with (see `StateWarning`).
    public var warnings: [StateWarning]

    /// The note of process `pid`, serving `serial` from `stateDir` on `host`:`port`.
    public init(pid: Int32, host: String, port: UInt16, serial: UInt64, stateDir: String, warnings: [StateWarning]) {
        self.pid = pid
        self.host = host
        self.port = port
        let local = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host
        address = local.contains(":") ? "udp://[\(local)]:\(port)" : "udp://\(local):\(port)"
        self.serial = ReadyFile.hex(serial)
        self.stateDir = stateDir
        self.warnings = warnings
    }

    /// The runtime directory: `$COFFER_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/coffer/emulators`, else
    /// `/tmp/coffer-UID/emulators` (its top made 0700 and refused unless it is this user's alone).
    public static func directory(environment: [String: String]) -> String {
        if let path = environment[directoryVariable], !path.isEmpty { return path }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return runtime + "/coffer/emulators" }
        return "/tmp/coffer-\(getuid())/emulators"
    }

    /// Writes this note into `directory` (made 0700 if missing) atomically; returns its path. Not
    /// fsynced, like the ready file: a note outlives a power cut only as a stale one, which readers
    /// skip (dead pid), so its durability would cost every start two fsyncs for nothing.
    public func announce(in directory: String) throws(StateFileError) -> String {
        try Self.makePrivateDirectory(directory)
        let path = directory + "/\(pid).json"
        try DurableDirectory.replaceAtomically(path, bytes: Array(json.utf8) + [0x0A], durable: false)
        return path
    }

    /// The live emulators noted in `directory`, by pid. Stale notes (their process gone, or their
    /// port free) are left out and removed; unreadable files are left out and left alone.
    public static func running(in directory: String) -> [EmulatorAnnouncement] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [EmulatorAnnouncement] = []
        for name in names where name.hasSuffix(".json") {
            guard let pid = Int32(name.dropLast(5)), pid > 0 else { continue }
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                let note = try? JSONDecoder().decode(EmulatorAnnouncement.self, from: data), note.pid == pid
            else { continue }
            if note.isLive {
                found.append(note)
            } else {
                unlink(path)
            }
        }
        return found.sorted { $0.pid < $1.pid }
    }

    /// Its process exists and its port is taken (a free port means the pid was reused by another
    /// program, or the emulator is past serving).
    var isLive: Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return (try? UDPSocket(host: host, port: port)) == nil
    }

    /// One line of JSON with sorted keys.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { preconditionFailure("an announcement always encodes") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Makes `directory` and its missing parents with mode 0700; refuses an existing one that is not
    /// a directory of this user's that others cannot write (a note there could be planted).
    private static func makePrivateDirectory(_ directory: String) throws(StateFileError) {
        var info = stat()
        if lstat(directory, &info) != 0 {
            let parent = DurableDirectory.parent(of: directory)
            if parent != directory && parent != "/" && parent != "." { try makePrivateDirectory(parent) }
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw StateFileError(path: directory, problem: .system(operation: "mkdir", errno: errno))
            }
            guard lstat(directory, &info) == 0 else {
                throw StateFileError(path: directory, problem: .system(operation: "lstat", errno: errno))
            }
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        let othersWrite = info.st_mode & (S_IWGRP | S_IWOTH) != 0
        let sticky = info.st_mode & S_ISVTX != 0
        guard isDirectory, info.st_uid == getuid() || sticky, !othersWrite || sticky else {
            throw StateFileError(
                path: directory, problem: .malformed("not a private directory of this user's; not announcing there"))
        }
    }
}
