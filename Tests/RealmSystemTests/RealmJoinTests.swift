// `cofferctl realm join` (issue 13): a member whose join `realm create` could not make — here its
// chip loses power during the ceremony (`--crash-after-writes`) — joins later from the manifest and
// the sealed secrets `realm create` wrote before any join; the other members are left as they are.

import CofferTestSupport
import Foundation
import Testing

@Suite("realm join: a member's join cut short is finished later")
struct RealmJoinTests {
    /// No member writes anything durable before its join (the draft check, the generated or imported
    /// secrets, the offer and the signature live in RAM until the join), so every cut in a ceremony
    /// lands in a join, after the manifest and the sealed secrets are written: a join makes 7 durable
    /// writes; the first and the last are cut here, at the generating member and at an importing one.
    @Test(
        "a member cut by a power loss in its join joins later with realm join, from the files realm create wrote first",
        arguments: [(member: 2, cut: 1), (member: 2, cut: 7), (member: 0, cut: 1)])
    func cutCeremony(_ point: (member: Int, cut: Int)) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread {
                continuation.resume(with: Result {
                    try Self.createCut(member: point.member, at: point.cut)
                })
            }.start()
        }
    }

    /// Creates a realm of three with member `victim` cut at its `cut`-th durable write; then `realm join`
    /// finishes its join from the files `realm create` wrote, and finds the others joined.
    static func createCut(member victim: Int, at cut: Int) throws {
        let workspace = TemporaryDirectory()
        func member(_ id: Int, _ extra: [String] = []) throws -> (EmulatorProcess, String) {
            let ready = workspace.file("member\(id)-\(UUID().uuidString.prefix(4)).ready")
            let process = try EmulatorProcess(
                ["serve", "--state-dir", workspace.file("member\(id)"), "--port", "0", "--ready-file", ready, "--slots", "2", "--realm-member"]
                    + extra, stderrPath: ready + ".log")
            return (process, "udp://127.0.0.1:\(try process.waitUntilReady().port)")
        }
        for id in 0..<3 {
            let made = try EmulatorProcess.run(["init", "--state-dir", workspace.file("member\(id)"), "--slots", "2", "--realm-member"])
            try check(made.status == 0, "init: \(made.stderr)")
        }
        var processes: [EmulatorProcess] = []
        var addresses: [String] = []
        for id in 0..<3 {
            let (process, address) = try member(id, id == victim ? ["--crash-after-writes", "\(cut)"] : [])
            processes.append(process)
            addresses.append(address)
        }
        defer { for (id, process) in processes.enumerated() where id != victim { _ = process.stop() } }
        let manifest = workspace.file("manifest.json")
        let sealed = manifest + ".sealed"
        let created = try cofferctl(
            ["realm", "create", "--test-realm", "--out", manifest] + addresses.flatMap { ["--member", $0] })
        try check(created.status != 0, "cut \(cut): realm create went through: \(created.stdout)")
        try check(processes[victim].waitForExit() == 86, "cut \(cut): member \(victim) did not lose power: \(created.stderr)")
        try check(FileManager.default.fileExists(atPath: manifest), "cut \(cut): no manifest: \(created.stderr)")
        try check(created.stderr.contains("did not join") && created.stderr.contains("realm join"), "cut \(cut): \(created.stderr)")
        try check(FileManager.default.fileExists(atPath: sealed), "cut \(cut): no \(sealed)")

        // The member comes back on its state; `realm join` makes it a member (or finds it joined, when
        // the cut came after its membership page), and a second run finds it joined.
        let (back, backAddress) = try member(victim)
        defer { _ = back.stop() }
        let joined = try cofferctl(["realm", "join", "--manifest", manifest, "--member", backAddress])
        try check(joined.status == 0, "cut \(cut): realm join: \(joined.stderr)")
        try check(joined.stdout.contains("member \(victim) of realm"), "cut \(cut): \(joined.stdout)")
        let again = try cofferctl(["realm", "join", "--manifest", manifest, "--member", backAddress])
        try check(again.status == 0 && again.stdout.contains("had joined already"), "cut \(cut): \(again.stdout) \(again.stderr)")
        for (id, address) in addresses.enumerated() where id != victim {
            let other = try cofferctl(["realm", "join", "--manifest", manifest, "--member", address])
            try check(other.status == 0 && other.stdout.contains("had joined already"), "cut \(cut): \(other.stdout)")
        }

        // A device in no manifest is refused by name, and nothing is sent to it.
        let made = try EmulatorProcess.run(["init", "--state-dir", workspace.file("member9"), "--slots", "2", "--realm-member"])
        try check(made.status == 0, "init: \(made.stderr)")
        let (stranger, strangerAddress) = try member(9)
        defer { _ = stranger.stop() }
        let refused = try cofferctl(["realm", "join", "--manifest", manifest, "--member", strangerAddress])
        try check(refused.status != 0 && refused.stderr.contains("not a member"), "\(refused.stdout) \(refused.stderr)")
    }
}
