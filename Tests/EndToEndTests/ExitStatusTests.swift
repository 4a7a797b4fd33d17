import Foundation
import Testing

import func CofferTestSupport.seededBytes

/// Each documented exit status, produced by the built binary for the reason the table gives.
/// (10 and 11 are in StoryTests, 77 in the USB test under umockdev.)
@Suite(.serialized) struct ExitStatusTests {
    let scratch = Scratch()

    @Test("64: bad options, arguments and device addresses", arguments: [
        ["nonsense"], ["--device", "bogus", "ping"], ["--device", "udp://127.0.0.1:0", "ping"],
        ["--device", "usb:12:34:56", "ping"], ["recover"], ["register", "--id", "x", "--attempt-limit", "0"],
        ["ping", "--size", "7610"], ["backup", "encrypt", "--key", "k"], ["dev", "vectors"],
    ])
    func usage(arguments: [String]) throws {
        let result = try scratch.cofferctl(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("64: an empty password from stdin")
    func emptyPassword() throws {
        let result = try scratch.cofferctl(["register", "--id", "x", "--password-stdin"], input: "\n")
        #expect(result.status == 64)
        #expect(result.stderr.contains("empty"))
    }

    @Test("64: no terminal to prompt on without --password-stdin")
    func noTerminal() throws {
        let result = try run("/usr/bin/setsid", ["--wait", Binaries.cofferctl, "recover", "--id", "x"],
                             environment: scratch.environment)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--password-stdin"))
    }

    @Test("65: a tampered backup, a wrong key and a malformed key file; nothing left at the destination")
    func dataErrors() throws {
        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")]).status == 0)
        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("other")]).status == 0)
        scratch.write(seededBytes(200_000, seed: 2), to: "plain")
        #expect(try scratch.cofferctl(["backup", "encrypt", "--key", scratch.file("key"), scratch.file("plain"),
                                       scratch.file("backup")]).status == 0)
        var damaged = try #require(scratch.read("backup"))
        damaged[100_000] ^= 1
        scratch.write(damaged, to: "damaged")
        let tampered = try scratch.cofferctl(
            ["backup", "decrypt", "--key", scratch.file("key"), scratch.file("damaged"), scratch.file("out")])
        #expect(tampered.status == 65)
        #expect(tampered.stderr.contains("fails authentication"))
        let wrongKey = try scratch.cofferctl(
            ["backup", "decrypt", "--key", scratch.file("other"), scratch.file("backup"), scratch.file("out")])
        #expect(wrongKey.status == 65)
        scratch.write(Array("not a key\n".utf8), to: "badkey")
        #expect(try scratch.cofferctl(["backup", "decrypt", "--key", scratch.file("badkey"), scratch.file("backup"),
                                       scratch.file("out")]).status == 65)
        #expect(!scratch.exists("out"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("69: nothing listens at the UDP address")
    func unreachable() throws {
        // A port the OS handed out and that nobody holds any more.
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, length)
                _ = getsockname(fd, $0, &length)
            }
        }
        close(fd)
        let port = UInt16(bigEndian: address.sin_port)
        let result = try scratch.cofferctl(["--device", "udp://127.0.0.1:\(port)", "info"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("unreachable"))
    }

    @Test("69: a state directory another process holds is busy, and says who")
    func busyStateDirectory() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let result = try scratch.cofferctl(["--device", "embedded:" + emulator.stateDirectory, "ping"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("busy"))
    }

    @Test("1: keygen never overwrites a key file")
    func keygenRefusesOverwrite() throws {
        scratch.write(Array("keep".utf8), to: "key")
        let result = try scratch.cofferctl(["keygen", "--out", scratch.file("key")])
        #expect(result.status == 1)
        #expect(scratch.read("key") == Array("keep".utf8))
    }
}
