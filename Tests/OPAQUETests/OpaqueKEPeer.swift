import Foundation

/// Meta's opaque-ke (4.0.1, through PyPI's opaque-ke-py) in a child process: Tests/InteropTests/opaque_ke_peer.py,
/// spoken to over stdin/stdout one line per request, byte strings in hex.
///
/// The interop tests drive it from Swift because the Coffer side they exercise is the OPAQUE library itself,
/// which has no executable of its own; the peer keeps opaque-ke's state in opaque-ke's own serialised form.
final class OpaqueKEPeer {
    /// What opaque-ke refused, with its message (`InvalidLoginError`, ...).
    struct Refusal: Error, CustomStringConvertible {
        let message: String
        var description: String { "opaque-ke refused: \(message)" }
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()

    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("InteropTests/opaque_ke_peer.py")
    }

    /// Starts the peer and checks it answers; fails with the fix when opaque-ke-py is missing.
    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        _ = try call("hello")
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// One request: the command and its arguments; the results, or `Refusal` when opaque-ke raised.
    @discardableResult
    func call(_ command: String, _ arguments: [UInt8]...) throws -> [[UInt8]] {
        let line = ([command] + arguments.map { $0.isEmpty ? "-" : hexString($0) }).joined(separator: " ") + "\n"
        try input.fileHandleForWriting.write(contentsOf: Data(line.utf8))
        let answer = try readLine()
        let words = answer.split(separator: " ", omittingEmptySubsequences: true)
        guard words.first == "ok" else {
            throw Refusal(message: answer.hasPrefix("err ") ? String(answer.dropFirst(4)) : answer)
        }
        return words.dropFirst().map { $0 == "-" ? [] : hex(String($0)) }
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered.removeSubrange(buffered.startIndex...newline)
                return line
            }
            // availableData returns as soon as the pipe has anything (read(upToCount:) waits for the count).
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw Refusal(message: "the opaque-ke peer exited (is python3 installed?)")
            }
            buffered.append(chunk)
        }
    }
}
