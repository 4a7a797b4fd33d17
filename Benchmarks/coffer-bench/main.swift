// `coffer-bench`: Coffer's figures for `make bench`, one JSON line each (see Benchmarks/run.py).
import Foundation

// The PING figure's reference peer, in a process of its own as the emulator is: `--collecting-echo N`
// prints its port, answers every N datagrams with N, and ends on a one-byte datagram.
if CommandLine.arguments.dropFirst().first == "--collecting-echo", let count = CommandLine.arguments.dropFirst(2).first.flatMap({ Int($0) }) {
    try CollectingEcho.serve(reports: count) { print($0); fflush(nil) }
    exit(0)
}

func report(_ measurement: Measurement) {
    print(measurement.jsonLine)
    fflush(nil)
}

// `COFFER_BENCH_ONLY=pure-p256`: just the pure engine's figure (a quick look while working on it).
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "pure-p256" {
    report(try PureScalarMultiplications(iterations: 400).run())
    exit(0)
}

// `COFFER_BENCH_ONLY=ristretto255`: just the ristretto255 figures.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "ristretto255" {
    for measurement in try RistrettoFigures(iterations: 2000).run() { report(measurement) }
    exit(0)
}

/// Committed LoginStarts of realm groups of 3 and 5 beside a standalone device's; one-key proof sizes
/// and a member's check + apply in record trees of 10^4 to 10^6 leaves.
func realmFigures() throws {
    for members in [3, 5] { report(try RealmLoginStarts(members: members, batch: 16, loginStarts: 512).run()) }
    for leaves in [10_000, 100_000, 1_000_000] {
        for measurement in try RealmProofSizes(leaves: leaves, samples: 500).run() { report(measurement) }
    }
}

// `COFFER_BENCH_ONLY=realm`: just the realm figures.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "realm" {
    try realmFigures()
    exit(0)
}

/// The realm's bounded load test: 64 clients logging in through a running realm's front-end for 30 s
/// (`COFFER_BENCH_LOAD_SECONDS` for a quicker look), beside the same clients against one emulator
/// over UDP for as long.
func realmLoad() throws {
    let seconds = ProcessInfo.processInfo.environment["COFFER_BENCH_LOAD_SECONDS"].flatMap(Double.init) ?? 30
    do {
        try RealmFrontendLoad(clients: 64, seconds: seconds, referenceSeconds: seconds).run(report: report)
    } catch {
        // Said plainly and with a failing status, not as a crash report.
        FileHandle.standardError.write(Data("coffer-bench: realm load test FAILED: \(error)\n".utf8))
        exit(1)
    }
}

// `COFFER_BENCH_ONLY=realm-load`: just the realm's load test.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "realm-load" {
    try realmLoad()
    exit(0)
}

// `COFFER_BENCH_ONLY=store`: just the realm store's conditional appends (dir: and a 3-member etcd).
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "store" {
    for measurement in try await StoreAppends(seconds: 2).run() { report(measurement) }
    exit(0)
}

// `COFFER_BENCH_ONLY=backup`: just the 1 GiB file-to-file backup figures.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "backup" {
    for measurement in try BackupThroughput(size: 1 << 30).run() { report(measurement) }
    exit(0)
}

// `COFFER_BENCH_ONLY=pipe`: just cofferctl's pipe-to-pipe backup throughput against file to file.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "pipe" {
    for measurement in try PipeThroughput(size: 512 << 20).run() { report(measurement) }
    exit(0)
}

// `COFFER_BENCH_ONLY=startup`: just the emulator's start-up figures.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "startup" {
    for measurement in try StartupFigures(runs: 21).run() { report(measurement) }
    exit(0)
}

// `COFFER_BENCH_ONLY=emulator`: just the figures measured through a running emulator (below).
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "emulator" {
    try emulatorFigures()
try realmLoad()
    exit(0)
}

// `COFFER_BENCH_ONLY=group-commit`: just the durable guesses of 32 channels on a slow medium.
if ProcessInfo.processInfo.environment["COFFER_BENCH_ONLY"] == "group-commit" {
    for measurement in try groupCommitFigures() { report(measurement) }
    exit(0)
}

/// 32 channels guessing at once with group commit, beside one channel, both with fsync + 2 ms.
func groupCommitFigures() throws -> [Measurement] {
    try GroupCommittedGuesses(channels: 32, guessesPerChannel: 40, syncDelayMilliseconds: 2).run()
}

/// PING round trips and durable guesses through one emulator.
func emulatorFigures() throws {
    let emulator = try BenchEmulator(slots: 16)
    do {
        for measurement in try PingRoundTrips(emulator: emulator, roundTrips: 500).run() { report(measurement) }
        for measurement in try DurableGuesses(emulator: emulator, guesses: 200).run() { report(measurement) }
        emulator.stop()
    } catch {
        emulator.stop()
        throw error
    }
}

// First, so that its peak-RSS figure is this process's high-water mark before anything else ran.
for measurement in try BackupThroughput(size: 1 << 30).run() {
    report(measurement)
}
for measurement in try PipeThroughput(size: 512 << 20).run() { report(measurement) }

let opaqueServer = try OPAQUEServerLogins(iterations: 2000).run()
report(opaqueServer)
report(try FirmwareLogins(iterations: 1000, opaqueServerLoginsPerSecond: opaqueServer.value).run())
try realmFigures()
for measurement in try await StoreAppends(seconds: 2).run() { report(measurement) }
report(try PureScalarMultiplications(iterations: 400).run())
for measurement in try RistrettoFigures(iterations: 2000).run() { report(measurement) }

for measurement in try StartupFigures(runs: 21).run() { report(measurement) }

try emulatorFigures()
for measurement in try groupCommitFigures() { report(measurement) }
try realmLoad()
