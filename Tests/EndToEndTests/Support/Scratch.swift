import Foundation

/// A fresh directory for one test's files (keys, backups, state, pins), removed afterwards, and
/// `cofferctl` run with its pins kept inside it.
final class Scratch {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/coffer-e2e-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
        path = String(cString: made)
        // embedded:DIR makes a device only in a directory that exists (a misspelt one is refused).
        precondition(mkdir(path + "/state", 0o700) == 0, "mkdir state failed")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) {
        precondition(FileManager.default.createFile(atPath: file(name), contents: Data(bytes)), "cannot write \(name)")
    }

    func read(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map { [UInt8]($0) }
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    /// The environment cofferctl runs in: pins, HOME and the runtime directory where emulators note
    /// themselves (`EmulatorProcess`) inside this directory.
    var environment: [String: String] {
        ["COFFER_PIN_DIR": file("pins"), "HOME": path, "COFFER_RUNTIME_DIR": file("runtime")]
    }

    /// Runs the built cofferctl.
    @discardableResult
    func cofferctl(_ arguments: [String], input: String = "", environment extra: [String: String] = [:]) throws
        -> Finished
    {
        var env = environment
        for (name, value) in extra { env[name] = value }
        return try run(Binaries.cofferctl, arguments, input: input, environment: env)
    }
}
