import CofferCrypto
import Foundation

/// One pin: the device reached at `address` presents this identity key and serial.
public struct DevicePin: Sendable, Equatable {
    /// The address the user gave, in its canonical spelling (`DeviceAddress.pinAddress`).
    public let address: String
    /// The serial number the device's identity signed.
    public let serial: UInt64
    /// The identity public key (ECDSA P-256, SEC1).
    public let identityKey: [UInt8]
    /// The pin file.
    public let file: String

    /// A pin as written to `file`.
    public init(address: String, serial: UInt64, identityKey: [UInt8], file: String) {
        self.address = address
        self.serial = serial
        self.identityKey = identityKey
        self.file = file
    }

    /// 16 hex digits, as printed everywhere.
    public var serialText: String { VaultError.serialText(serial) }

    /// ssh's form: `SHA256:` and the unpadded base64 of SHA-256 of the identity public key.
    public var fingerprint: String { Self.fingerprint(of: identityKey) }

    /// The fingerprint of any identity public key.
    public static func fingerprint(of identityKey: [UInt8]) -> String {
        var text = Data(SHA256.hash(identityKey)).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    /// The first line of every pin file: the format and its version.
    static let formatLine = "coffer-pin 1"

    /// The file's text: four lines, each a name and a value.
    var fileText: String {
        "\(Self.formatLine)\naddress \(address)\nserial \(serialText)\nidentity \(Hex.encode(identityKey))\n"
    }

    /// Parses a pin file's text; anything else is `.pinFileCorrupt` naming `file`.
    init(parsing text: String, file: String) throws(VaultError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(Self.formatLine) else {
            throw .pinFileCorrupt(path: file,
                                  reason: "not a Coffer pin file (the first line is not `\(Self.formatLine)`)")
        }
        guard lines.count == 5, lines[4].isEmpty else {
            throw .pinFileCorrupt(path: file, reason: "a pin file is four lines: coffer-pin, address, serial, identity")
        }
        func value(_ line: Substring, _ name: String) throws(VaultError) -> String {
            guard line.hasPrefix(name + " "), line.count > name.count + 1 else {
                throw .pinFileCorrupt(path: file, reason: "the line `\(name) ...` is missing or empty")
            }
            return String(line.dropFirst(name.count + 1))
        }
        let address = try value(lines[1], "address")
        let serialText = try value(lines[2], "serial")
        let identityText = try value(lines[3], "identity")
        guard serialText.count == 16, let serial = UInt64(serialText, radix: 16) else {
            throw .pinFileCorrupt(path: file, reason: "the serial is not 16 hex digits")
        }
        guard let identity = Hex.decode(identityText), !identity.isEmpty else {
            throw .pinFileCorrupt(path: file, reason: "the identity is not the hex of a public key")
        }
        self.init(address: address, serial: serial, identityKey: identity, file: file)
    }
}

extension DevicePin: Encodable {
    private enum CodingKeys: String, CodingKey {
        case address, serial, fingerprint, identityPublicKey, file
    }

    /// `{"address", "serial", "fingerprint", "identityPublicKey", "file"}`, as `cofferctl pins --json` prints.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try container.encode(serialText, forKey: .serial)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(Hex.encode(identityKey), forKey: .identityPublicKey)
        try container.encode(file, forKey: .file)
    }
}
