// FoundationEssentials where there is one: the emulator's start-up stays clear of the whole of
// Foundation (and ICU), whose loading costs more than everything else it does before it is ready.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a running emulator tells the world once its state is loaded and its socket bound: the
/// file named by `--ready-file`, JSON with exactly these keys, for example
/// `{"pid":4242,"port":50123,"serial":"00c0ffee00000001","stateDir":"/home/u/.local/state/coffer"}`.
/// `serial` is the device serial as 16 lowercase hex digits.
public struct ReadyFile: Codable, Equatable, Sendable {
    /// The emulator's process id.
    public var pid: Int32
    /// The UDP port it serves on.
    public var port: UInt16
    /// The device serial number, 16 lowercase hex digits.
    public var serial: String
    /// The absolute path of the state directory.
    public var stateDir: String

    public init(pid: Int32, port: UInt16, serial: UInt64, stateDir: String) {
        self.pid = pid
        self.port = port
        self.serial = Self.hex(serial)
        self.stateDir = stateDir
    }

    /// A serial number as the ready file and `inspect` print it.
    public static func hex(_ serial: UInt64) -> String {
        let digits = String(serial, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Writes the file atomically (temporary file, then rename), so a reader that sees it sees all
    /// of it. Not fsynced: it announces this process, which a power cut ends anyway, and a start
    /// that waits on the disk twice more before anyone may connect helps nobody.
    public func write(to path: String) throws(StateFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do {
            json = try encoder.encode(self)
        } catch {
            preconditionFailure("a ReadyFile always encodes: \(error)")
        }
        try DurableDirectory.replaceAtomically(path, bytes: [UInt8](json) + [0x0A], durable: false)
    }

    /// Reads a ready file written by `write(to:)`.
    public static func read(from path: String) throws -> ReadyFile {
        try JSONDecoder().decode(ReadyFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
