// The invariant "MACs and tags are compared in constant time", as behaviour of the one compare and
// as a property of the sources: every MAC or tag check goes through `constantTimeEqual`.

import Foundation
import OPAQUE
import Testing

@Suite struct ConstantTimeCompareTests {
    @Test func equalBytesAreEqualAndADifferenceAnywhereIsNot() {
        let base = (0..<48).map { UInt8($0) }
        #expect(constantTimeEqual(base, base))
        #expect(constantTimeEqual([], []))
        for position in [0, 1, 23, 46, 47] {
            for bit in [0, 7] {
                var other = base
                other[position] ^= 1 << bit
                #expect(!constantTimeEqual(base, other), "difference at byte \(position) bit \(bit)")
            }
        }
        #expect(!constantTimeEqual(base, Array(base.dropLast())))
        #expect(!constantTimeEqual(base, base + [0]))
    }

    @Test func secretBytesCompareByContentAndNeverPrintThem() {
        let secret = SecretBytes([0x73, 0x65, 0x63, 0x72, 0x65, 0x74])
        #expect(secret == SecretBytes(secret.bytes))
        #expect(secret != SecretBytes([0x73, 0x65, 0x63, 0x72, 0x65, 0x75]))
        #expect("\(secret)" == "SecretBytes(6 bytes, redacted)")
        #expect(!"\(secret)".contains("73"))
    }

    /// Lines of Swift code (comments dropped) in the product sources that compare something named
    /// like a MAC or a tag with `==` or `!=`: each must go through `constantTimeEqual` instead.
    @Test func noMACOrTagInTheSourcesIsComparedWithEquals() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let pattern = try NSRegularExpression(
            pattern: #"\b\w*(mac|Mac|MAC|tag|Tag)\w*\s*(==|!=)|(==|!=)\s*\w*(mac|Mac|MAC|tag|Tag)\w*\b"#)
        var offenders: [String] = []
        var scanned = 0
        for directory in ["Sources", "Firmware", "HostTools"] {
            let base = root.appendingPathComponent(directory)
            let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            for file in files {
                scanned += 1
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (number, line) in lines.enumerated() {
                    let code = String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false)[0])
                    // `tagSet == 1` is libcrypto's return code, not a tag.
                    guard !code.contains("tagSet ==") else { continue }
                    let range = NSRange(code.startIndex..., in: code)
                    if pattern.firstMatch(in: code, range: range) != nil {
                        offenders.append("\(file.lastPathComponent):\(number + 1): \(code.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(scanned > 100, "the scan found the sources")
        #expect(offenders.isEmpty, "compare these with constantTimeEqual:\n\(offenders.joined(separator: "\n"))")
    }

    /// The places that check a MAC or a tag do so with the constant-time compare.
    @Test(arguments: [
        ("Sources/OPAQUE/Server.swift", "ke3.clientMAC"),
        ("Sources/OPAQUE/Client.swift", "ke2.serverMAC"),
        ("Sources/OPAQUE/Client.swift", "envelope.authTag"),
        ("Sources/CofferCrypto/HMAC.swift", "authenticationCode(for: message, key: key), tag"),
    ])
    func macChecksUseTheConstantTimeCompare(file: String, operand: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        let checked = source.split(separator: "\n").contains { $0.contains(operand) && $0.contains("constantTimeEqual") }
        #expect(checked, "no constant-time check of \(operand) in \(file)")
    }
}
