import CofferCrypto
import CTAPHID
import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// The built `coffer-emulator` binary, on real files and real UDP.
@Suite struct EmulatorBinaryTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }
    var readyPath: String { workspace.file("ready.json") }
    static let seed = "00c0ffee00c0ffee00c0ffee00c0ffee"

    func serve(_ extra: [String] = [], log: String = "serve.log") throws -> EmulatorProcess {
        try EmulatorProcess(
            ["--state-dir", stateDir, "--port", "0", "--ready-file", readyPath, "--seed", Self.seed, "--slots", "4"]
                + extra,
            stderrPath: workspace.file(log))
    }

    func initialise() throws {
        let result = try EmulatorProcess.run(["init", "--state-dir", stateDir, "--seed", Self.seed, "--slots", "4"])
        try #require(result.status == 0, "init failed: \(result.stderr)")
    }

    @Test func servesCTAPHIDInitAndPingOverUDPAndStopsCleanlyOnSIGTERM() throws {
        let emulator = try serve()
        let ready = try emulator.waitUntilReady()
        #expect(ready.pid == emulator.process.processIdentifier)
        #expect(ready.port != 0)
        #expect(ready.stateDir == stateDir)
        #expect(ready.serial.count == 16 && Hex.decode(ready.serial) != nil)

        let host = try CTAPHIDTestHost(port: ready.port)
        let opened = try host.openChannel(nonce: [9, 8, 7, 6, 5, 4, 3, 2])
        #expect(opened.nonce == [9, 8, 7, 6, 5, 4, 3, 2])
        #expect(opened.channel.isAllocatable)
        let payload = (0..<300).map { UInt8($0 & 0xFF) }
        #expect(try host.exchange(opened.channel, .ping, payload) == payload)

        #expect(emulator.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: readyPath))
        #expect(emulator.stderr.contains("serving device \(ready.serial)"))
    }

    /// Start-up (issue 14): loading the whole of Foundation and ICU cost a serving emulator about a
    /// quarter of its CPU time before it was ready, and three files of the library had brought it back
    /// unnoticed. FoundationEssentials is what it may load.
    @Test func aServingEmulatorHasNotLoadedTheWholeOfFoundation() throws {
        let emulator = try serve()
        let ready = try emulator.waitUntilReady()
        let maps = try #require(Self.readToEnd("/proc/\(ready.pid)/maps"))
        let libraries = Set(maps.split(separator: "\n").compactMap { $0.split(separator: "/").last.map(String.init) })
        #expect(libraries.contains { $0.hasPrefix("libswiftCore") }, "the maps list no Swift runtime")
        #expect(!libraries.contains { $0.hasPrefix("libFoundation.so") || $0.contains("FoundationICU") })
        #expect(emulator.stop() == 0)
    }

    /// A file read to its end with read(2): procfs files report a size of 0, and one read may not be all.
    static func readToEnd(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return count == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes += chunk[..<count]
        }
    }

    @Test func datagramOfTheWrongSizeIsIgnoredAndTheNextPingAnswered() throws {
        let emulator = try serve(["--log-level", "debug"])
        let ready = try emulator.waitUntilReady()
        let host = try CTAPHIDTestHost(port: ready.port)
        let channel = try host.openChannel().channel
        host.send([UInt8](repeating: 0xFF, count: 63))
        host.send([UInt8](repeating: 0x00, count: 65))
        host.send([])
        #expect(try host.exchange(channel, .ping, [1, 2, 3]) == [1, 2, 3])
        #expect(emulator.process.isRunning)
        #expect(emulator.stop() == 0)
        #expect(emulator.stderr.contains("ignored a 63-byte datagram"))
    }

    /// The first packet of a two-packet PING and then silence: the device's timeout must fire from
    /// the server's poll ticks alone, answering ERR_MSG_TIMEOUT on that channel.
    @Test func stalledMessageTimesOutWithoutFurtherTraffic() throws {
        let emulator = try serve()
        let ready = try emulator.waitUntilReady()
        let host = try CTAPHIDTestHost(port: ready.port)
        let channel = try host.openChannel().channel
        let request = try CTAPHIDHostTransaction(
            channel: channel, command: .ping, payload: [UInt8](repeating: 7, count: 100))
        try #require(request.requestReports.count == 2)
        host.send(request.requestReports[0])
        var exchange = request
        #expect(throws: CTAPHIDHostError.device(.messageTimeout)) {
            while let report = host.nextReport() { _ = try exchange.receive(report: report) }
        }
        #expect(try host.exchange(channel, .ping, [4]) == [4])
        #expect(emulator.stop() == 0)
    }

    @Test func serveWithNoStateCreatesADeviceAndSaysSo() throws {
        let emulator = try serve()
        _ = try emulator.waitUntilReady()
        #expect(emulator.stop() == 0)
        #expect(emulator.stderr.contains("no device in \(stateDir): creating one"))
        let report = try inspect()
        #expect(report.lifecycle == "operational" && report.slotCount == 4)
    }

    @Test func sameSeedMakesTheSameDevice() throws {
        try initialise()
        let other = workspace.file("other")
        let again = try EmulatorProcess.run(["init", "--state-dir", other, "--seed", Self.seed, "--slots", "4"])
        #expect(again.status == 0)
        #expect(try workspace.bytes("state/fuses") == workspace.bytes("other/fuses"))
    }

    @Test func secondEmulatorOnTheSameStateDirIsRefusedNamingIt() throws {
        let first = try serve()
        _ = try first.waitUntilReady()
        let second = try EmulatorProcess.run(["--state-dir", stateDir, "--port", "0"])
        #expect(second.status == EmulatorExitStatus.stateInUse)
        #expect(second.stderr.contains(stateDir))
        #expect(second.stderr.contains("in use by another coffer-emulator (pid \(first.process.processIdentifier))"))
        #expect(first.process.isRunning)
        #expect(first.stop() == 0)
    }

    @Test func initOnAMadeDeviceIsRefusedAndChangesNothing() throws {
        try initialise()
        let fuses = try workspace.bytes("state/fuses")
        let again = try EmulatorProcess.run(["init", "--state-dir", stateDir])
        #expect(again.status == EmulatorExitStatus.alreadyInitialised)
        #expect(again.stderr.contains("already holds device"))
        #expect(try workspace.bytes("state/fuses") == fuses)
    }

    @Test(arguments: [["--slots", "5"], ["--attempt-limit", "3"]])
    func sizeOrLimitThatContradictsTheDeviceIsRefused(arguments: [String]) throws {
        try initialise()
        let result = try EmulatorProcess.run(["--state-dir", stateDir, "--port", "0"] + arguments)
        #expect(result.status == EmulatorExitStatus.usage)
        #expect(result.stderr.contains("\(arguments[0]) \(arguments[1]) does not match the device in \(stateDir)"))
    }

    @Test func inspectShowsTheDeviceWithoutItsSecret() throws {
        try initialise()
        let text = try EmulatorProcess.run(["inspect", "--state-dir", stateDir])
        #expect(text.status == 0)
        #expect(text.stdout.contains("lifecycle        operational"))
        let uds = try workspace.bytes("state/fuses")[12..<44].map { ReadyFileHex.byte($0) }.joined()
        #expect(!text.stdout.contains(uds) && !text.stderr.contains(uds))
        #expect(try inspect().records == 0)
    }

    @Test func inspectOfAnEmptyDirectorySaysThereIsNoDevice() throws {
        let result = try EmulatorProcess.run(["inspect", "--state-dir", stateDir])
        #expect(result.status == EmulatorExitStatus.noDevice)
        #expect(result.stderr.contains("no device in \(stateDir)"))
    }

    @Test(arguments: [
        ["--slots", "0"], ["--attempt-limit", "256"], ["--seed", "xyz"], ["--crash-after-writes", "0"],
        ["--port", "70000"], ["--bind", "localhost"], ["--no-such-option"],
    ])
    func badCommandLineExitsWithUsage(arguments: [String]) throws {
        let result = try EmulatorProcess.run(["--state-dir", stateDir] + arguments)
        #expect(result.status == EmulatorExitStatus.usage)
        #expect(!FileManager.default.fileExists(atPath: stateDir))
    }

    @Test func portAlreadyTakenFailsBeforeAnyStateIsMade() throws {
        let holder = try UDPSocket(host: "127.0.0.1", port: 0)
        let result = try EmulatorProcess.run(["--state-dir", stateDir, "--port", "\(holder.port)"])
        #expect(result.status == EmulatorExitStatus.unavailable)
        #expect(result.stderr.contains("cannot serve on 127.0.0.1:\(holder.port)"))
        #expect(!FileManager.default.fileExists(atPath: stateDir))
    }

    @Test func helpNamesTheSubcommandsAndTheReadyFileFormat() throws {
        let root = try EmulatorProcess.run(["--help"])
        #expect(root.status == 0)
        #expect(root.stdout.contains("serve") && root.stdout.contains("init") && root.stdout.contains("inspect"))
        let serve = try EmulatorProcess.run(["serve", "--help"])
        #expect(serve.stdout.contains("--crash-after-writes") && serve.stdout.contains("\"stateDir\""))
    }

    func inspect() throws -> DeviceReport {
        let result = try EmulatorProcess.run(["inspect", "--state-dir", stateDir, "--json"])
        try #require(result.status == 0, "inspect failed: \(result.stderr)")
        return try JSONDecoder().decode(DeviceReport.self, from: Data(result.stdout.utf8))
    }
}

enum ReadyFileHex {
    static func byte(_ value: UInt8) -> String {
        let digits = String(value, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
