import CofferCrypto
import Foundation

/// The identity each device address presented the first time this user reached it, one file per
/// address: trust on first use, the way ssh's known_hosts pins a host.
///
/// The pin is kept under what the user addressed (`udp://HOST:PORT`, `usb[:VID:PID][@SERIAL]`,
/// `embedded:/ABSOLUTE/DIR`), never under the serial the device claims: a relay that sends the
/// client to another device can make that device claim any serial, but not sign with the pinned
/// identity key. A device at a pinned address whose identity differs is refused unless the caller
/// says the new device is trusted, which replaces the pin.
public struct DevicePins: Sendable {
    /// The environment variable that moves the pin directory (tests use a directory of their own).
    public static let environmentVariable = "COFFER_PIN_DIR"

    /// Where the pin files live.
    public let directory: String

    /// Pins in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// `$COFFER_PIN_DIR`, else `$XDG_CONFIG_HOME/coffer/pins`, else `~/.config/coffer/pins`; nil
    /// when none of those variables is set.
    public static func standard(environment: [String: String]) -> DevicePins? {
        if let explicit = environment[environmentVariable], !explicit.isEmpty { return DevicePins(directory: explicit) }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return DevicePins(directory: config + "/coffer/pins")
        }
        if let home = environment["HOME"], !home.isEmpty { return DevicePins(directory: home + "/.config/coffer/pins") }
        return nil
    }

    /// What checking a key against the pins found, in short.
    public enum Outcome: Equatable, Sendable {
        /// The key matches the pin.
        case matched
        /// No pin existed (or the caller trusted a new device): this key is now pinned.
        case pinnedNow
    }

    /// What checking a device against the pin of its address found, and did.
    public enum Verdict: Equatable, Sendable {
        /// The device presented the pinned identity.
        case matched(DevicePin)
        /// The address had no pin: the device's identity is pinned now.
        case pinnedNow(DevicePin)
        /// The device presented another identity and the caller trusted it: the pin was replaced.
        case replaced(DevicePin, previous: DevicePin)

        /// The pin in force afterwards.
        public var pin: DevicePin {
            switch self {
            case .matched(let pin), .pinnedNow(let pin), .replaced(let pin, _): pin
            }
        }

        /// The short form `VerifiedDevice.pin` and `cofferctl info` report.
        public var outcome: Outcome {
            if case .matched = self { return .matched }
            return .pinnedNow
        }

        /// The line a person must see when a pin was written; nil when nothing changed.
        public var notice: String? {
            switch self {
            case .matched:
                return nil
            case .pinnedNow(let pin):
                return "new device at \(pin.address): serial \(pin.serialText), identity \(pin.fingerprint); "
                    + "pinned in \(pin.file) (trust on first use: only this identity is accepted there from now on)"
            case .replaced(let pin, let previous):
                return "--trust-new-device: replaced the pin of \(pin.address) in \(pin.file): "
                    + "was serial \(previous.serialText), identity \(previous.fingerprint); "
                    + "now serial \(pin.serialText), identity \(pin.fingerprint)"
            }
        }
    }

    /// What the pin directory holds.
    public struct Listing: Sendable, Equatable {
        /// Every readable pin, by address.
        public var pins: [DevicePin] = []
        /// Files that look like pins but cannot be read as one (each a `.pinFileCorrupt` or
        /// `.pinStore` error naming its file).
        public var unreadable: [VaultError] = []
        /// Per-serial pin files (`<serial>.pin`) of cofferctl before pins by address: never read.
        public var legacyFiles: [String] = []
    }

    /// The pin address of a device named `text` (an address as `--device` takes it, or a
    /// transport's device name): its canonical spelling (`DeviceAddress.pinAddress`) when it parses
    /// as the address of a device that can be pinned, else the text itself.
    public static func address(naming text: String) -> String {
        (try? DeviceAddress(parsing: text))?.pinAddress ?? text
    }

    /// The pin file of `address` (as `DeviceAddress.pinAddress` spells it): a readable stem of the
    /// address and 16 hex digits of its SHA-256, so no two addresses share a file and no name ever
    /// looks like an old per-serial `<serial>.pin`.
    public func file(forAddress address: String) -> String {
        var stem = ""
        for character in address.unicodeScalars.prefix(48) {
            let keep = ("a"..."z").contains(character) || ("A"..."Z").contains(character)
                || ("0"..."9").contains(character) || character == "."
            if keep { stem.unicodeScalars.append(character) } else if !stem.hasSuffix("_") { stem += "_" }
        }
        let hash = Hex.encode(SHA256.hash(Array(address.utf8)).prefix(8))
        return directory + "/" + stem + "-" + hash + ".pin"
    }

    /// The pin of `address`, nil when it has none; a file that is not a pin of `address` is refused.
    public func pin(forAddress address: String) throws(VaultError) -> DevicePin? {
        let path = file(forAddress: address)
        guard let text = try PinFile.contents(path) else { return nil }
        let pin = try DevicePin(parsing: text, file: path)
        guard pin.address == address else {
            throw .pinFileCorrupt(path: path, reason: "it holds the pin of \(pin.address), not of \(address)")
        }
        return pin
    }

    /// Checks the identity a device presents at `address` against that address's pin. No pin:
    /// pins it (trust on first use). The same serial and key: matched. Anything else is refused
    /// with `.deviceIdentityChanged`, unless `trustNewDevice`, which replaces the pin. A pin file
    /// that cannot be read is refused, never replaced.
    public func check(address: String, serial: UInt64, identityKey: [UInt8], trustNewDevice: Bool = false)
        throws(VaultError) -> Verdict
    {
        guard !address.contains("\n"), !address.contains("\0") else {
            throw .pinStore(path: directory, reason: "an address with a line break cannot be pinned: \(address)")
        }
        let presented = DevicePin(address: address, serial: serial, identityKey: identityKey,
                                  file: file(forAddress: address))
        if let verdict = try compare(presented, trustNewDevice: trustNewDevice) { return verdict }
        try PinFile.makeDirectory(directory)
        if try PinFile.create(presented.fileText, at: presented.file, directory: directory) {
            return .pinnedNow(presented)
        }
        // Another cofferctl pinned this address between our look and our write: its pin rules.
        if let verdict = try compare(presented, trustNewDevice: trustNewDevice) { return verdict }
        throw .pinStore(path: presented.file, reason: "the pin file appeared and vanished while it was written")
    }

    private func compare(_ presented: DevicePin, trustNewDevice: Bool) throws(VaultError) -> Verdict? {
        guard let pinned = try pin(forAddress: presented.address) else { return nil }
        if pinned.serial == presented.serial && pinned.identityKey == presented.identityKey { return .matched(pinned) }
        guard trustNewDevice else { throw .deviceIdentityChanged(pinned: pinned, presented: presented) }
        try PinFile.replace(presented.fileText, at: presented.file, directory: directory)
        return .replaced(presented, previous: pinned)
    }

    /// Removes the pin of `address`, returning it (nil when its file was not a readable pin: an
    /// explicit forget is how a person clears a corrupt one). No pin: `.noSuchPin`.
    @discardableResult
    public func forget(address: String) throws(VaultError) -> DevicePin? {
        let path = file(forAddress: address)
        let pin: DevicePin?
        do {
            pin = try self.pin(forAddress: address)
        } catch .pinFileCorrupt {
            pin = nil
        }
        guard pin != nil || FileManager.default.fileExists(atPath: path) else {
            throw .noSuchPin(address: address, directory: directory)
        }
        try PinFile.remove(path, directory: directory)
        return pin
    }

    /// Every pin in the directory, the files that cannot be read as pins, and old per-serial files.
    /// A directory that does not exist holds no pins.
    public func list() throws(VaultError) -> Listing {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            if !FileManager.default.fileExists(atPath: directory) { return Listing() }
            throw .pinStore(path: directory, reason: "cannot list the pin directory: \(error.localizedDescription)")
        }
        var listing = Listing()
        // Temporaries of an interrupted write start with a dot; they are never pins.
        for name in names.sorted() where name.hasSuffix(".pin") && !name.hasPrefix(".") {
            let path = directory + "/" + name
            if Self.isLegacyName(name) {
                listing.legacyFiles.append(path)
                continue
            }
            do throws(VaultError) {
                guard let text = try PinFile.contents(path) else { continue }
                let pin = try DevicePin(parsing: text, file: path)
                guard file(forAddress: pin.address) == path else {
                    throw .pinFileCorrupt(path: path, reason: "it holds the pin of \(pin.address), "
                                          + "whose file is \(file(forAddress: pin.address))")
                }
                listing.pins.append(pin)
            } catch {
                listing.unreadable.append(error)
            }
        }
        listing.pins.sort { $0.address < $1.address }
        return listing
    }

    /// `<16 hex digits>.pin`: what cofferctl wrote when it pinned by the serial a device claims.
    static func isLegacyName(_ name: String) -> Bool {
        let stem = name.dropLast(".pin".count)
        return stem.count == 16 && stem.allSatisfy(\.isHexDigit)
    }
}

/// How a vault client checks the device it reaches against the pins: under which address, whether
/// a device with another identity may replace the pin, and who hears when a pin is written.
public struct PinPolicy: Sendable {
    /// The address the pin is kept under (`DeviceAddress.pinAddress`); nil takes the transport's
    /// device name, which is the address it was opened with.
    public var address: String?
    /// Whether a device whose identity differs from the pin replaces it (`--trust-new-device`).
    public var trustNewDevice: Bool
    /// Told of every pin written: a first use or a replacement (`Verdict.notice` says it in words).
    public var onPinWritten: @Sendable (DevicePins.Verdict) -> Void

    /// A policy; by default the transport's address, no new device trusted, and nobody told.
    public init(address: String? = nil, trustNewDevice: Bool = false,
                onPinWritten: @escaping @Sendable (DevicePins.Verdict) -> Void = { _ in }) {
        self.address = address
        self.trustNewDevice = trustNewDevice
        self.onPinWritten = onPinWritten
    }

}
