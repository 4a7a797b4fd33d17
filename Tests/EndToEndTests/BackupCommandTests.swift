import Foundation
import Testing

import func CofferTestSupport.seededBytes

/// `backup encrypt|decrypt` through the built cofferctl: `-` for stdin and stdout, pipes in and out,
/// OUT never overwritten without --force and never replaced when it is not a regular file (issue 10,
/// defects 1 and 11), and temporaries removed on SIGINT/SIGTERM (defect 5).
@Suite(.serialized) struct BackupCommandTests {
    let scratch = Scratch()

    init() throws {
        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")]).status == 0)
        scratch.write(seededBytes(3_000_000, seed: 31), to: "plain")
    }

    @Test("a pipe to a pipe: encrypt - - | decrypt - - gives the input back; JSON counts plaintext both ways")
    func pipeToPipe() throws {
        let result = try scratch.shell(
            "cat plain | \"$COFFERCTL\" backup encrypt --key key - - | \"$COFFERCTL\" backup decrypt --key key - - "
                + "> restored")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.read("restored") == scratch.read("plain"))
        let encrypted = try scratch.shell("exec \"$COFFERCTL\" --json backup encrypt --key key - backup < plain")
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        let decrypted = try scratch.shell("exec \"$COFFERCTL\" --json backup decrypt --key key /dev/stdin out < backup")
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(try encrypted.object()["bytes"] as? Int == 3_000_000)
        #expect(try decrypted.object()["bytes"] as? Int == 3_000_000)
        #expect(try decrypted.object()["backupBytes"] as? Int == scratch.read("backup")?.count)
        #expect(scratch.read("out") == scratch.read("plain"))
    }

    @Test("--json with OUT - is a usage error: the result would mix with the output on stdout")
    func jsonWithStdout() throws {
        let result = try scratch.cofferctl(["--json", "backup", "encrypt", "--key", scratch.file("key"),
                                            scratch.file("plain"), "-"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(try result.object()["status"] as? Int == 64, "only the JSON error on stdout")
    }

    @Test("OUT is not overwritten without --force; --force replaces a regular file", arguments: ["encrypt", "decrypt"])
    func noOverwrite(direction: String) throws {
        #expect(try scratch.cofferctl(["backup", "encrypt", "--key", scratch.file("key"), scratch.file("plain"),
                                       scratch.file("backup")]).status == 0)
        let input = scratch.file(direction == "encrypt" ? "plain" : "backup")
        scratch.write(Array("precious".utf8), to: "out")
        let refused = try scratch.cofferctl(["backup", direction, "--key", scratch.file("key"), input,
                                             scratch.file("out")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(scratch.read("out") == Array("precious".utf8))
        let forced = try scratch.cofferctl(["backup", direction, "--force", "--key", scratch.file("key"), input,
                                            scratch.file("out")])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(scratch.read("out") != Array("precious".utf8))
    }

    @Test("a symbolic link, /dev/null or /dev/stdout at OUT is never replaced, even with --force",
          arguments: ["link", "/dev/null", "/dev/stdout"])
    func nonRegularOut(out: String) throws {
        scratch.write(Array("target".utf8), to: "target")
        _ = symlink(scratch.file("target"), scratch.file("link"))
        let path = out.hasPrefix("/") ? out : scratch.file(out)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        let result = try scratch.cofferctl(["backup", "encrypt", "--force", "--key", scratch.file("key"),
                                            scratch.file("plain"), path])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("never replaced"), "\(result.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType == before)
        #expect(scratch.read("target") == Array("target".utf8))
    }

    @Test("SIGINT or SIGTERM during a backup removes its hidden temporary file", arguments: [SIGINT, SIGTERM])
    func interruptedBackupLeavesNothing(signal: Int32) throws {
        let child = try Spawned(Binaries.cofferctl, ["backup", "encrypt", "--key", scratch.file("key"), "-",
                                                     scratch.file("out")],
                                environment: scratch.environment, stdout: scratch.file("stdout"),
                                stderr: scratch.file("stderr"))
        // Part of the input only: the command is mid-backup, waiting for more, its temporary made.
        #expect(child.feed(seededBytes(200_000, seed: 32)), "cofferctl stopped reading stdin")
        let temporary = waitForFile(prefix: ".out.coffer-", in: scratch.path, timeoutMilliseconds: 60_000)
        try #require(temporary != nil, "no temporary file appeared")
        kill(child.pid, signal)
        let ended = child.wait()
        #expect(ended.signal == signal, "dies of the signal, as interrupted programs do: \(ended)")
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(names.allSatisfy { !$0.hasPrefix(".") }, "\(names)")
        #expect(!scratch.exists("out"))
    }
}
