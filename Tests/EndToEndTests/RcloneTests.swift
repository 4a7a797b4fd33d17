import Foundation
import Testing

import func CofferTestSupport.seededBytes

/// Off-device storage, as the product's backups live in a cloud store: `backup encrypt ... - |
/// rclone rcat REMOTE:path` and back, against rclone's local backend (issue 10). rclone comes from
/// `scripts/bootstrap.sh test`, which `make test` runs.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/rclone"),
                             "rclone is installed by scripts/bootstrap.sh test"))
struct RcloneTests {
    let scratch = Scratch()

    init() throws {
        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")]).status == 0)
        scratch.write(seededBytes(5_000_000, seed: 41), to: "chats.db")
        try FileManager.default.createDirectory(atPath: scratch.file("remote"), withIntermediateDirectories: true)
        // An empty configuration: the remote is named on the fly (":local:PATH").
        scratch.write([], to: "rclone.conf")
    }

    func shell(_ script: String) throws -> Finished {
        try scratch.shell("export RCLONE_CONFIG=\"$SCRATCH/rclone.conf\"; " + script)
    }

    @Test("encrypt to stdout | rclone rcat, then rclone cat | decrypt from stdin gives the file back")
    func roundTrip() throws {
        let stored = try shell(
            "\"$COFFERCTL\" backup encrypt --key key chats.db - | rclone rcat :local:\"$SCRATCH/remote/chats.coffer\"")
        #expect(stored.status == 0, "\(stored.stderr)")
        let backup = try #require(scratch.read("remote/chats.coffer"))
        #expect(Array(backup.prefix(8)) == Array("COFFERBK".utf8))
        let restored = try shell(
            "rclone cat :local:\"$SCRATCH/remote/chats.coffer\" | \"$COFFERCTL\" backup decrypt --key key - "
                + "restored.db")
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(scratch.read("restored.db") == scratch.read("chats.db"))
    }

    @Test("a backup changed in the store is refused on the way back, leaving nothing")
    func tamperedInStore() throws {
        let stored = try shell(
            "\"$COFFERCTL\" backup encrypt --key key chats.db - | rclone rcat :local:\"$SCRATCH/remote/c\"")
        #expect(stored.status == 0, "\(stored.stderr)")
        var bytes = try #require(scratch.read("remote/c"))
        bytes[3_000_000] ^= 0x01
        scratch.write(bytes, to: "remote/c")
        let result = try shell(
            "rclone cat :local:\"$SCRATCH/remote/c\" | \"$COFFERCTL\" backup decrypt --key key - out.db")
        #expect(result.status == 65, "\(result.stderr)")
        #expect(!scratch.exists("out.db"))
    }
}
