import CofferCrypto
import CofferTestSupport
import Foundation
import OPAQUE
import Testing
@testable import CofferHost

@Suite struct BackupKeyTests {
    let dir = TemporaryDirectory()

    @Test("a key file is 64 hex digits and a newline, mode 0600, and reads back")
    func writeAndRead() throws {
        let key = BackupKey.generate(random: SeededRandom(seed: [7]))
        try BackupKey.write(key, to: dir.file("key"))
        let text = try #require(dir.read("key"))
        #expect(text.count == 65 && text.last == UInt8(ascii: "\n"))
        #expect(String(decoding: text.dropLast(), as: UTF8.self) == BackupKey.hex(key))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try BackupKey.read(from: dir.file("key")) == key)
    }

    @Test("mode 0600 even under a permissive umask")
    func modeUnderUmask() throws {
        let old = umask(0)
        defer { umask(old) }
        try BackupKey.write(BackupKey.generate(), to: dir.file("key"))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("an existing file is never overwritten")
    func noOverwrite() throws {
        dir.write(Array("keep me".utf8), to: "key")
        #expect(throws: KeyFileError.exists(path: dir.file("key"))) {
            try BackupKey.write(BackupKey.generate(), to: dir.file("key"))
        }
        #expect(dir.read("key") == Array("keep me".utf8))
    }

    @Test("anything but 64 hex digits is not a key", arguments: [
        "", "00", String(repeating: "0", count: 63), String(repeating: "0", count: 65),
        String(repeating: "g", count: 64), String(repeating: "ab", count: 64),
    ])
    func malformed(text: String) {
        dir.write(Array(text.utf8), to: "key")
        #expect(throws: KeyFileError.malformed(path: dir.file("key"))) { try BackupKey.read(from: dir.file("key")) }
    }

    @Test("upper case digits and surrounding whitespace are accepted")
    func lenientReading() throws {
        let hex = String(repeating: "Ab", count: 32)
        dir.write(Array(("  " + hex + "\r\n").utf8), to: "key")
        #expect(try BackupKey.read(from: dir.file("key")).bytes == [UInt8](repeating: 0xAB, count: 32))
    }
}
