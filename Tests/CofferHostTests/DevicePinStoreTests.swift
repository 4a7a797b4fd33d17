import CofferCrypto
import CofferTestSupport
import Foundation
import OPAQUE
import Testing
@testable import CofferHost

/// Pins by address (issue 9, finding 2): the store's rules, its files, and the vault client's check.
@Suite struct DevicePinStoreTests {
    let scratch = TemporaryDirectory()
    var pins: DevicePins { DevicePins(directory: scratch.file("config/coffer/pins")) }
    let address = "udp://127.0.0.1:4000"
    let keyA: [UInt8] = [0x02] + [UInt8](repeating: 0xA1, count: 32)
    let keyB: [UInt8] = [0x03] + [UInt8](repeating: 0xB2, count: 32)

    @Test("the first device at an address is pinned; the same one matches; another key or serial is refused")
    func firstUseThenMatchThenRefusal() throws {
        let first = try pins.check(address: address, serial: 7, identityKey: keyA)
        guard case .pinnedNow(let pin) = first else { throw Unexpected(first) }
        #expect(pin.address == address && pin.serial == 7 && pin.identityKey == keyA)
        #expect(first.notice?.contains(pin.fingerprint) == true && first.notice?.contains(pin.file) == true)
        #expect(try pins.check(address: address, serial: 7, identityKey: keyA) == .matched(pin))

        // Another device at the address, whatever serial it claims: the pinned one's, or its own.
        for (serial, key) in [(UInt64(7), keyB), (8, keyB), (8, keyA)] {
            let error = #expect(throws: VaultError.self) {
                try pins.check(address: address, serial: serial, identityKey: key)
            }
            guard case .deviceIdentityChanged(let pinned, let presented)? = error else { throw Unexpected(error) }
            #expect(pinned == pin)
            #expect(presented.serial == serial && presented.identityKey == key && presented.file == pin.file)
            #expect(error?.exitStatus == .failure)
            let message = try #require(error?.message)
            for part in [pin.fingerprint, DevicePin.fingerprint(of: key), pin.file, "--trust-new-device", address] {
                #expect(message.contains(part), "\(part) missing from: \(message)")
            }
        }
        // Refusals leave the pin as it was.
        #expect(try pins.pin(forAddress: address) == pin)
    }

    @Test("a device at another address is pinned apart, even with the same serial")
    func addressesArePinnedApart() throws {
        _ = try pins.check(address: address, serial: 7, identityKey: keyA)
        let other = try pins.check(address: "udp://127.0.0.1:4001", serial: 7, identityKey: keyB)
        #expect(other.outcome == .pinnedNow)
        #expect(pins.file(forAddress: address) != pins.file(forAddress: "udp://127.0.0.1:4001"))
        #expect(try pins.list().pins.map(\.address) == [address, "udp://127.0.0.1:4001"])
    }

    @Test("trusting a new device replaces the pin and says what it replaced")
    func trustNewDeviceReplaces() throws {
        let old = try pins.check(address: address, serial: 7, identityKey: keyA).pin
        let verdict = try pins.check(address: address, serial: 8, identityKey: keyB, trustNewDevice: true)
        guard case .replaced(let new, let previous) = verdict else { throw Unexpected(verdict) }
        #expect(previous == old && new.identityKey == keyB && new.serial == 8)
        let notice = try #require(verdict.notice)
        #expect(notice.contains(old.fingerprint) && notice.contains(new.fingerprint) && notice.contains("replaced"))
        #expect(try pins.check(address: address, serial: 8, identityKey: keyB) == .matched(new))
        #expect(throws: VaultError.self) { try pins.check(address: address, serial: 7, identityKey: keyA) }
        // Trusting a device that matches changes nothing.
        #expect(try pins.check(address: address, serial: 8, identityKey: keyB, trustNewDevice: true) == .matched(new))
    }

    @Test("pin files are mode 0600 in a 0700 directory, written whole with no temporary left behind")
    func fileModes() throws {
        let pin = try pins.check(address: address, serial: 7, identityKey: keyA).pin
        _ = try pins.check(address: address, serial: 8, identityKey: keyB, trustNewDevice: true)
        #expect(try permissions(pin.file) == 0o600)
        #expect(try permissions(pins.directory) == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pins.directory) == [(pin.file as NSString)
            .lastPathComponent])
        let text = try String(contentsOfFile: pin.file, encoding: .utf8)
        #expect(text == "coffer-pin 1\naddress \(address)\nserial 0000000000000008\nidentity \(Hex.encode(keyB))\n")
    }

    /// Corruptions of a pin file: each is refused naming the file, and the file is left as it was,
    /// even when the caller trusts new devices.
    static let corruptions: [(String, @Sendable (String) -> [UInt8])] = [
        ("empty", { _ in [] }),
        ("garbage", { _ in Array("hello\n".utf8) }),
        ("the old per-serial format", { _ in Array((String(repeating: "ab", count: 33) + "\n").utf8) }),
        ("truncated", { Array($0.utf8.prefix(30)) }),
        ("a bad serial", { Array($0.replacingOccurrences(of: "serial 0000000000000007", with: "serial 7").utf8) }),
        ("a bad identity", { Array($0.replacingOccurrences(of: "identity 02", with: "identity zz").utf8) }),
        ("an extra line", { Array(($0 + "more\n").utf8) }),
        ("another address", {
            Array($0.replacingOccurrences(of: "udp://127.0.0.1:4000", with: "udp://127.0.0.1:4001").utf8)
        }),
        ("huge", { Array($0.utf8) + [UInt8](repeating: 0x20, count: 5000) }),
        ("not UTF-8", { _ in [0xFF, 0xFE, 0x0A] }),
    ]

    @Test("a corrupt pin file is refused naming the file, never reset", arguments: 0..<corruptions.count)
    func corruptPinRefused(index: Int) throws {
        let (name, corrupt) = Self.corruptions[index]
        let pin = try pins.check(address: address, serial: 7, identityKey: keyA).pin
        let bytes = corrupt(try String(contentsOfFile: pin.file, encoding: .utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: pin.file))
        for trust in [false, true] {
            let error = #expect(throws: VaultError.self, "\(name)") {
                try pins.check(address: address, serial: 7, identityKey: keyA, trustNewDevice: trust)
            }
            guard case .pinFileCorrupt(let path, _)? = error else { throw Unexpected(error) }
            #expect(path == pin.file)
            #expect(error?.message.contains(pin.file) == true)
        }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: pin.file))) == bytes, "\(name): file changed")
        #expect(try pins.list().unreadable.count == 1)
        // Forgetting it is how a person clears it; the next device is pinned anew.
        #expect(try pins.forget(address: address) == nil)
        #expect(try pins.check(address: address, serial: 7, identityKey: keyA).outcome == .pinnedNow)
    }

    @Test("list: pins by address, unreadable files apart, old per-serial files named and never read")
    func listing() throws {
        #expect(try pins.list() == DevicePins.Listing())
        let b = try pins.check(address: "usb:1209:000c", serial: 2, identityKey: keyB).pin
        let a = try pins.check(address: address, serial: 1, identityKey: keyA).pin
        let legacy = pins.directory + "/0123456789abcdef.pin"
        try (Hex.encode(keyB) + "\n").write(toFile: legacy, atomically: false, encoding: .utf8)
        try "junk".write(toFile: pins.directory + "/junk.pin", atomically: false, encoding: .utf8)
        try "ignored".write(toFile: pins.directory + "/notes.txt", atomically: false, encoding: .utf8)
        let listing = try pins.list()
        #expect(listing.pins == [a, b])
        #expect(listing.legacyFiles == [legacy])
        guard case .pinFileCorrupt(let path, _)? = listing.unreadable.first, listing.unreadable.count == 1 else {
            throw Unexpected(listing.unreadable)
        }
        #expect(path == pins.directory + "/junk.pin")
        // The old file is not a pin of anything: a device claiming that serial is pinned afresh.
        #expect(DevicePins.isLegacyName("0123456789abcdef.pin"))
        #expect(!DevicePins.isLegacyName((pins.file(forAddress: address) as NSString).lastPathComponent))
    }

    @Test("forget removes one pin and returns it; an address without a pin is noSuchPin")
    func forget() throws {
        let pin = try pins.check(address: address, serial: 7, identityKey: keyA).pin
        #expect(try pins.forget(address: address) == pin)
        #expect(!FileManager.default.fileExists(atPath: pin.file))
        #expect(throws: VaultError.noSuchPin(address: address, directory: pins.directory)) {
            try pins.forget(address: address)
        }
        #expect(VaultError.noSuchPin(address: address, directory: pins.directory).exitStatus == .failure)
    }

    @Test("the fingerprint is ssh's: SHA256: and unpadded base64")
    func fingerprint() {
        let expected = "SHA256:" + Data(SHA256.hash(keyA)).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(DevicePin.fingerprint(of: keyA) == expected)
        #expect(!expected.hasSuffix("=") && expected.count == 7 + 43)
    }

    @Test("a pin address is the address as given, spelled one way")
    func pinAddresses() throws {
        let cases: [(String, String?)] = [
            ("embedded", nil),
            ("udp://LocalHost:4000", "udp://localhost:4000"),
            ("udp://[::1]:4000", "udp://[::1]:4000"),
            ("usb", "usb:1209:000c"),
            ("usb:1209:C", "usb:1209:000c"),
            ("usb@ABC", "usb:1209:000c@ABC"),
            ("usb:dead:BEEF@x", "usb:dead:beef@x"),
        ]
        for (text, expected) in cases {
            #expect(try DeviceAddress(parsing: text).pinAddress == expected, "\(text)")
        }
        // A state directory: absolute, without `.`, `..` or symbolic links.
        let real = scratch.file("state")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link"), withDestinationPath: real)
        let canonical = "embedded:" + (real as NSString).resolvingSymlinksInPath
        for spelling in [real, scratch.file("link"), scratch.file("state/../state/."), scratch.file("link/")] {
            #expect(try DeviceAddress(parsing: "embedded:" + spelling).pinAddress == canonical, "\(spelling)")
        }
        let relative = FileManager.default.currentDirectoryPath + "/not-there-yet"
        #expect(try DeviceAddress(parsing: "embedded:./x/../not-there-yet").pinAddress == "embedded:" + relative)
        #expect(DevicePins.address(naming: "udp://LOCALHOST:1") == "udp://localhost:1")
        #expect(DevicePins.address(naming: "something else") == "something else")
    }

    @Test("the vault client pins the device under the address it reached, and refuses another device there")
    func vaultClientPinsByAddress() throws {
        let state = scratch.file("state")
        // embedded:DIR makes a device only in a directory that exists.
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let written = PinLog()
        func client(trust: Bool = false) throws -> VaultClient {
            // No address given: the client takes its transport's, canonical.
            VaultClient(transport: try DeviceConnector.open(.embedded(stateDirectory: state)), pins: pins,
                        pinPolicy: PinPolicy(trustNewDevice: trust) { written.append($0) })
        }
        let first = try client().verifiedDevice()
        #expect(first.pin == .pinnedNow)
        let pinned = try #require(first.pinVerdict?.pin)
        #expect(pinned.address == "embedded:" + (state as NSString).resolvingSymlinksInPath)
        #expect(pinned.identityKey == first.info.identityPublicKey && pinned.serial == first.info.serial)
        #expect(try client().verifiedDevice().pin == .matched)
        #expect(written.count == 1)

        // Another device at the same address: the state directory made anew.
        try FileManager.default.removeItem(atPath: state)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        #expect(throws: VaultError.self) { try client().verifiedDevice() }
        #expect(written.count == 1)
        let password = SecretBytes(Array("pw".utf8))
        let error = #expect(throws: VaultError.self) {
            try client().register(id: [1], password: password, backupKey: BackupKey.generate(), attemptLimit: nil)
        }
        guard case .deviceIdentityChanged(_, _)? = error else { throw Unexpected(error) }
        let trusted = try client(trust: true).verifiedDevice()
        guard case .replaced(_, let previous)? = trusted.pinVerdict else { throw Unexpected(trusted.pinVerdict) }
        #expect(previous == pinned)
        #expect(trusted.pin == .pinnedNow)
        #expect(written.count == 2)
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}

/// Pins written, as a client's policy reports them.
private final class PinLog: @unchecked Sendable {
    private let lock = NSLock()
    private var verdicts: [DevicePins.Verdict] = []
    func append(_ verdict: DevicePins.Verdict) { lock.withLock { verdicts.append(verdict) } }
    var count: Int { lock.withLock { verdicts.count } }
}

/// A result other than the one a test expects.
private struct Unexpected: Error, CustomStringConvertible {
    let description: String
    init(_ value: Any?) { description = "unexpected: \(String(describing: value))" }
}
