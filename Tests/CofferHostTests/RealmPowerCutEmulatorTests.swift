// The emulator's power cuts (`--crash-after-writes`) reach a realm member's writes: they go through the
// same flash.img and counters files. A one-member join is cut at each of its durable writes in turn;
// the process ends with the power-cut status, and the restarted member is as before the join, joined
// with its genesis tail, or joined without a tail (it votes only after a certified jump) — never
// anything else — and a member left as before joins again.

import CTAPHID
import CofferEmulator
import CofferFirmware
import CofferTestSupport
import Foundation
import Testing

@testable import CofferHost

@Suite("Realm writes under the emulator's power cuts")
struct RealmPowerCutEmulatorTests {
    static let quick = TransportTiming(
        responseMilliseconds: 1500, busyRetries: 3, busyBackoffMilliseconds: 1, busyBackoffLimitMilliseconds: 4)

    final class Member {
        let workspace: TemporaryDirectory
        let process: EmulatorProcess
        let link: RealmDeviceLink

        init(_ workspace: TemporaryDirectory, run: String, extra: [String] = []) throws {
            self.workspace = workspace
            process = try EmulatorProcess(
                [
                    "serve", "--state-dir", workspace.file("state"), "--port", "0", "--ready-file",
                    workspace.file("\(run).ready"), "--seed", "5eed12", "--slots", "2", "--realm-member",
                ] + extra, stderrPath: workspace.file("\(run).log"))
            let port = try process.waitUntilReady().port
            link = RealmDeviceLink(
                transport: try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: port), timing: RealmPowerCutEmulatorTests.quick))
        }
    }

    @Test("a join cut at each of its durable writes leaves the member before, after, or tailless", arguments: 1...7)
    func joinCut(at write: Int) throws {
        let workspace = TemporaryDirectory()
        let made = try EmulatorProcess.run(
            ["init", "--state-dir", workspace.file("state"), "--seed", "5eed12", "--slots", "2", "--realm-member"])
        try #require(made.status == 0, "init failed: \(made.stderr)")
        do {
            let member = try Member(workspace, run: "cut", extra: ["--crash-after-writes", "\(write)"])
            let agent = RealmTestAgent(links: [member.link])
            #expect(throws: (any Error).self) {
                try agent.ceremony(try agent.draft(realmID: [UInt8](repeating: 0x4C, count: 16)))
            }
            #expect(member.process.waitForExit() == PowerCut.exitStatus)
            #expect(member.process.stderr.contains("power cut before durable write \(write)"), "\(member.process.stderr)")
        }
        let restarted = try Member(workspace, run: "after")
        let info = try restarted.link.info()
        let agent = RealmTestAgent(links: [restarted.link])
        let draft = try agent.draft(realmID: [UInt8](repeating: 0x4C, count: 16))
        switch (info.memberID, info.tail) {
        case (nil, nil):
            try agent.ceremony(draft)
            #expect(try restarted.link.info().tail?.index == 0)
        case (0?, let tail?):
            #expect(tail == RealmTail.genesis(draft.group, engine: agent.engine))
        case (0?, nil):
            #expect(throws: RealmLinkFailure.refused(status: RealmError.needsJump.wireCode, command: RealmOperation.propose.rawValue)) {
                _ = try restarted.link.propose(
                    [RealmRequest(handle: 1, channel: 1, request: .getInfo)], proof: RecordTree().encoded(), leaves: [])
            }
        default:
            Issue.record("after a cut at write \(write) the member says \(info)")
        }
        #expect(restarted.process.stop() == 0)
    }
}
