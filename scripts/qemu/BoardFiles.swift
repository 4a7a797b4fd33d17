// The QEMU board's memories kept on the host: fuses, counters and flash live in RAM (scripts/board/
// Memories.swift) and every change is written through Arm semihosting into a file in QEMU's working
// directory (the state dir) before the HAL call returns, so a device survives a restart of QEMU.
//
// Durable order: QEMU serves a semihosting call on the vCPU thread, so the host's write(2) has completed
// before the guest's next instruction; a counter raised before a step is in the host's file before the
// step runs, and stays there however QEMU ends (kill -9 included). Semihosting has no fsync: against a
// power cut of the host, the bridge (QemuBoardLink) fsyncs these files before it passes on any report
// the board sent after the write, so no answer leaves the host before the state it depends on is on disk.
//
// Files (big-endian integers):
//   qemu-fuses.bin     "CFQF", format 1, suite, serial u64, UDS (32 bytes), check: 50 bytes, written once
//                      (to qemu-fuses.bin.new, then renamed over); absent while the fuses are blank.
//   qemu-counters.bin  "CFQC", format 1, 0, count u16, then per counter its value u32 and the value's
//                      complement u32; a counter is rewritten in place, its 8 bytes in one write.
//   qemu-flash.bin     the flash's bytes (pages of 512), programmed and erased in place.
// The check is the first 4 bytes of SHA-256 over what precedes it. A file of the wrong size, format or
// check, or a device missing one of its files, is refused with what and where: never reset or rewritten.

import CofferFirmware
import CofferProtocol
import CofferPureCrypto
import QemuHost

/// Why the memories were not loaded; the console already says what and where.
enum BoardFilesFailure: Error {
    /// A file is damaged or missing from a device that had it.
    case refused
    /// The host refused a read or write.
    case io
}

/// What the files held at boot, and the keeper that writes changes back.
struct LoadedMemories {
    let files: BoardFiles
    let fuses: FuseContents?
    let counters: [UInt32]
    let flash: [UInt8]
}

/// Writes the board's memory changes into the host files (see the top of this file).
final class BoardFiles: MemoryKeeper {
    static let fusesName = "qemu-fuses.bin"
    static let countersName = "qemu-counters.bin"
    static let flashName = "qemu-flash.bin"
    static let fusesLength = 50
    static let countersHeader = 8

    private let counters: HostFile
    private let flash: HostFile

    private init(counters: HostFile, flash: HostFile) {
        self.counters = counters
        self.flash = flash
    }

    func keepFuses(_ contents: FuseContents) throws(HALError) {
        guard HostFile.replace(Self.fusesName, with: Self.encode(contents)) else { throw .ioFailure }
    }

    func keepCounter(_ index: Int, value: UInt32) throws(HALError) {
        guard counters.write(at: Self.countersHeader + 8 * index, bytes: Self.encode(counter: value)) else {
            throw .ioFailure
        }
    }

    func keepFlash(offset: Int, bytes: [UInt8]) throws(HALError) {
        guard flash.write(at: offset, bytes: bytes) else { throw .ioFailure }
    }

    /// Reads the three files, or makes those of a new device when there are none.
    static func load() throws(BoardFilesFailure) -> LoadedMemories {
        let fuseBytes = try HostFile.contents(of: fusesName)
        let counterBytes = try HostFile.contents(of: countersName)
        let flashBytes = try HostFile.contents(of: flashName)
        var values = [UInt32](repeating: 0, count: counterCount)
        var cells = [UInt8](repeating: 0xFF, count: InternalFlash<BoardFiles>.size)
        if let counterBytes {
            values = try decode(counters: counterBytes)
            guard let flashBytes else { throw refuse("\(countersName) is here but \(flashName) is missing") }
            guard flashBytes.count == cells.count else {
                throw refuse("\(flashName) holds \(flashBytes.count) bytes, not this board's \(cells.count)")
            }
            cells = flashBytes
        } else {
            // A new device: nothing else may be here, bar a flash still erased (a first boot cut short).
            guard fuseBytes == nil else { throw refuse("\(fusesName) is here but \(countersName) is missing") }
            if let flashBytes, flashBytes.count != cells.count || flashBytes.contains(where: { $0 != 0xFF }) {
                throw refuse("\(flashName) holds data but \(countersName) is missing")
            }
            guard HostFile.replace(flashName, with: cells),
                HostFile.replace(countersName, with: encode(counters: values))
            else { throw fail("cannot create \(countersName) and \(flashName)") }
        }
        let fuses = try fuseBytes.map { (bytes) throws(BoardFilesFailure) in try decode(fuses: bytes) }
        guard let counterFile = HostFile.open(countersName, mode: COFFER_SH_UPDATE),
            let flashFile = HostFile.open(flashName, mode: COFFER_SH_UPDATE)
        else { throw fail("cannot open \(countersName) and \(flashName) for writing") }
        return LoadedMemories(
            files: BoardFiles(counters: counterFile, flash: flashFile), fuses: fuses, counters: values, flash: cells)
    }

    // MARK: - Formats

    private static func check(_ bytes: [UInt8]) -> [UInt8] { Array(PureCryptoEngine().sha256(bytes).prefix(4)) }

    static func encode(_ fuses: FuseContents) -> [UInt8] {
        var bytes = Array("CFQF".utf8) + [1, fuses.suite.rawValue] + bigEndian(fuses.serial) + fuses.uds
        bytes += check(bytes)
        return bytes
    }

    static func decode(fuses bytes: [UInt8]) throws(BoardFilesFailure) -> FuseContents {
        guard bytes.count == fusesLength else {
            throw refuse("\(fusesName) holds \(bytes.count) bytes, not \(fusesLength)")
        }
        guard Array(bytes[0..<5]) == Array("CFQF".utf8) + [1] else { throw refuse("\(fusesName) is not format 1") }
        guard Array(bytes[46..<50]) == check(Array(bytes[0..<46])) else {
            throw refuse("\(fusesName) is damaged (its check does not match)")
        }
        let serial = bytes[6..<14].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return FuseContents(uds: Array(bytes[14..<46]), serial: serial, suite: VaultSuite(rawValue: bytes[5]))
    }

    static func encode(counter value: UInt32) -> [UInt8] { bigEndian(value) + bigEndian(~value) }

    static func encode(counters values: [UInt32]) -> [UInt8] {
        var bytes = Array("CFQC".utf8) + [1, 0, UInt8(values.count >> 8), UInt8(values.count & 0xFF)]
        for value in values { bytes += encode(counter: value) }
        return bytes
    }

    static func decode(counters bytes: [UInt8]) throws(BoardFilesFailure) -> [UInt32] {
        let expected = countersHeader + 8 * counterCount
        guard bytes.count == expected else {
            throw refuse("\(countersName) holds \(bytes.count) bytes, not this board's \(expected)")
        }
        guard Array(bytes[0..<6]) == Array("CFQC".utf8) + [1, 0],
            Int(bytes[6]) << 8 | Int(bytes[7]) == counterCount
        else { throw refuse("\(countersName) is not format 1 with \(counterCount) counters") }
        var values: [UInt32] = []
        for index in 0..<counterCount {
            let start = countersHeader + 8 * index
            let value = word(bytes, start)
            guard word(bytes, start + 4) == ~value else {
                throw refuse("\(countersName): counter \(index) is damaged (its complement does not match)")
            }
            values.append(value)
        }
        return values
    }

    private static func word(_ bytes: [UInt8], _ start: Int) -> UInt32 {
        bytes[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    private static func refuse(_ problem: String) -> BoardFilesFailure {
        say("coffer-qemu: refusing the board's memories: \(problem); nothing was reset or rewritten")
        return .refused
    }

    private static func fail(_ problem: String) -> BoardFilesFailure {
        say("coffer-qemu: \(problem) (host errno \(coffer_sh_errno()))")
        return .io
    }
}

func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

/// Prints a line on QEMU's console (its stderr).
func say(_ line: String) {
    let text = Array((line + "\n").utf8) + [0]
    text.withUnsafeBufferPointer { coffer_sh_say(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
}

/// A file on the host, through semihosting.
struct HostFile {
    let handle: Int

    static func open(_ name: String, mode: Int) -> HostFile? {
        let handle = withCName(name) { coffer_sh_open($0, mode) }
        return handle < 0 ? nil : HostFile(handle: handle)
    }

    /// The whole file, or nil when it does not exist.
    static func contents(of name: String) throws(BoardFilesFailure) -> [UInt8]? {
        guard let file = open(name, mode: COFFER_SH_READ) else {
            let code = coffer_sh_errno()
            guard code == 2 /* ENOENT */ else {
                say("coffer-qemu: cannot open \(name) (host errno \(code))")
                throw .io
            }
            return nil
        }
        defer { _ = coffer_sh_close(file.handle) }
        let length = coffer_sh_length(file.handle)
        var bytes = [UInt8](repeating: 0, count: max(length, 0))
        let read = bytes.withUnsafeMutableBytes { coffer_sh_read(file.handle, $0.baseAddress, length) }
        guard length >= 0, read == length else {
            say("coffer-qemu: cannot read \(name) (host errno \(coffer_sh_errno()))")
            throw .io
        }
        return bytes
    }

    /// Writes `bytes` to NAME.new and renames it over `name`: the file holds the old bytes or the new,
    /// never a part.
    static func replace(_ name: String, with bytes: [UInt8]) -> Bool {
        let temporary = name + ".new"
        guard let file = open(temporary, mode: COFFER_SH_CREATE) else { return false }
        let written = file.write(at: 0, bytes: bytes)
        guard coffer_sh_close(file.handle) == 1, written else { return false }
        return withCName(temporary) { from in withCName(name) { to in coffer_sh_rename(from, to) } } == 1
    }

    func write(at offset: Int, bytes: [UInt8]) -> Bool {
        guard coffer_sh_seek(handle, offset) == 1 else { return false }
        return bytes.withUnsafeBytes { coffer_sh_write(handle, $0.baseAddress, $0.count) } == 1
    }
}

private func withCName<R>(_ name: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
    let bytes = Array(name.utf8) + [0]
    return bytes.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
}
