import CTAPHID

/// Seed inputs for the CTAPHID targets: conversations a real host and device would have, framed by
/// the real encoders, that reach each part of the protocol (channels, every standard command, long
/// messages, locks, timeouts, refusals, the application's answers).
enum CTAPHIDSeeds {
    static let nonce: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x02, 0x03, 0x04]
    /// The channels a default-configured device hands out first.
    static let first = CTAPHIDChannelID(rawValue: 1)
    static let second = CTAPHIDChannelID(rawValue: 2)
    /// A report the device ignores (a continuation on a channel with nothing in progress), to let time
    /// pass or to give the application its turn.
    static let noise = frame(CTAPHIDChannelID(rawValue: 0xDEAD_BEEF), .ping, [UInt8](repeating: 0xAA, count: 100))[1]

    static var open: [[UInt8]] {
        [CTAPHIDChannelOpening(nonce: nonce).requestReport]
    }

    static var device: [FuzzSeed] {
        let vendor = frame(first, CTAPHIDCommand(rawValue: 0x41), bytes(150))
        let resync = CTAPHIDChannelOpening(nonce: nonce, channel: first).requestReport
        return [
            deviceSeed("init") { $0.send(open) },
            deviceSeed("init-resync") { $0.send(open + [resync]) },
            deviceSeed("ping-empty") { $0.send(open + frame(first, .ping, [])) },
            deviceSeed("ping-one-packet") { $0.send(open + frame(first, .ping, bytes(57))) },
            deviceSeed("ping-two-packets") { $0.send(open + frame(first, .ping, bytes(58))) },
            deviceSeed("ping-maximum") { $0.send(open + frame(first, .ping, bytes(CTAPHIDLimits.maxMessageSize))) },
            deviceSeed("wink") { $0.send(open + frame(first, .wink, [])) },
            deviceSeed("lock") {
                $0.send(open + open + frame(first, .lock, [5]) + frame(second, .ping, bytes(3)))
                $0.send(frame(first, .lock, [0]) + frame(second, .ping, bytes(3)))
            },
            deviceSeed("lock-lapse") {
                $0.send(open + open + frame(first, .lock, [1]))
                $0.send(frame(second, .ping, bytes(3)), after: 5)
            },
            deviceSeed("vendor-echo") { $0.send(open + vendor, then: .echo) },
            deviceSeed("vendor-keepalive-cancel") {
                $0.send(open + vendor, then: .keepalive)
                $0.send(frame(first, .cancel, []), then: .fail)
            },
            deviceSeed("vendor-full-answer") { $0.send(open + vendor, then: .full) },
            deviceSeed("vendor-too-long-then-empty") {
                $0.send(open + vendor, then: .tooLong)
                $0.send([noise], then: .empty)
            },
            deviceSeed("vendor-wrong-channel") { $0.send(open + vendor, then: .wrongChannel) },
            deviceSeed("vendor-resync") {
                $0.send(open + vendor)
                $0.send([resync], then: .echo)
            },
            deviceSeed("timeout") {
                $0.send(open + [frame(first, .ping, bytes(100))[0]])
                $0.send([noise], after: 4, poll: true)
            },
            deviceSeed("busy") {
                let long = frame(first, .ping, bytes(100))
                $0.send(open + open + [long[0]] + frame(second, .ping, bytes(3)) + [long[1]])
            },
            deviceSeed("sequence") {
                let long = frame(first, .ping, bytes(200))
                $0.send(open + [long[0], long[2]])
            },
            deviceSeed("refusals") {
                $0.send(open + frame(first, CTAPHIDCommand(rawValue: 0x30), []) + frame(second, .ping, []))
                $0.send([initReport(.broadcast, .initialize, length: 7, nonce)])
                $0.send(frame(first, .lock, [11]) + frame(first, .wink, [1]))
                $0.send([initReport(first, .ping, length: CTAPHIDLimits.maxMessageSize + 1, [])])
            },
            deviceSeed("eviction", configuration: 0) { $0.send(open + open + open + open + frame(first, .ping, [])) },
            deviceSeed("wraparound", configuration: 0x20 | 29) { $0.send(open + open + open) },
            deviceSeed("short-report") {
                $0.send(open)
                $0.bytes += [0] + Array(frame(first, .ping, [])[0].prefix(40))
            },
        ]
    }

    static var host: [FuzzSeed] {
        let channel = CTAPHIDChannelID(rawValue: 0x0102_0304)
        let vendor = CTAPHIDCommand(rawValue: 0x40)
        let keepalive = CTAPHIDMessageEncoder.keepaliveReport(channel: channel, status: .processing)
        let response = CTAPHIDInitResponse(nonce: nonce, channel: channel,
                                           deviceVersion: CTAPHIDDeviceVersion(major: 1, minor: 0, build: 0),
                                           capabilities: [.wink, .noMessage]).payload
        func seed(_ name: String, mode: UInt8 = 0, command: CTAPHIDCommand = .ping, length: Int = 0,
                  _ reports: [[UInt8]]) -> FuzzSeed {
            let header = [mode, command.rawValue, UInt8(length >> 8), UInt8(length & 0xFF)]
                + [0x01, 0x02, 0x03, 0x04] + nonce
            return FuzzSeed(name: name, bytes: header + reports.flatMap { $0 })
        }
        return [
            seed("ping-empty", frame(channel, .ping, [])),
            seed("ping-hundred", length: 100, frame(channel, .ping, bytes(100))),
            seed("ping-maximum", length: CTAPHIDLimits.maxMessageSize,
                 frame(channel, .ping, bytes(CTAPHIDLimits.maxMessageSize))),
            seed("vendor-keepalive", command: vendor, length: 20,
                 [keepalive, keepalive] + frame(channel, vendor, bytes(300))),
            seed("device-error", command: vendor, length: 20,
                 [CTAPHIDMessageEncoder.errorReport(channel: channel, code: .channelBusy)]),
            seed("request-too-long", length: CTAPHIDLimits.maxMessageSize + 1, []),
            seed("open-broadcast", mode: 1, [keepalive] + frame(.broadcast, .initialize, response)),
            seed("open-resync", mode: 3, frame(channel, .initialize, response)),
        ]
    }

    // MARK: - Building inputs

    /// `count` bytes that differ from one position to the next.
    static func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    /// The reports of a message known to fit.
    static func frame(_ channel: CTAPHIDChannelID, _ command: CTAPHIDCommand, _ payload: [UInt8]) -> [[UInt8]] {
        do {
            return try CTAPHIDMessageEncoder.reports(channel: channel, command: command, payload: payload)
        } catch {
            fatalError("seed messages fit CTAPHID's maximum")
        }
    }

    /// An init packet whose BCNT need not match its data, for the refusals the encoder cannot make.
    static func initReport(_ channel: CTAPHIDChannelID, _ command: CTAPHIDCommand, length: Int,
                           _ data: [UInt8]) -> [UInt8] {
        let raw = channel.rawValue
        let header = [UInt8(raw >> 24), UInt8(raw >> 16 & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw & 0xFF),
                      command.rawValue | 0x80, UInt8(length >> 8), UInt8(length & 0xFF)]
        return header + data + [UInt8](repeating: 0, count: CTAPHIDLimits.reportSize - header.count - data.count)
    }

    static func deviceSeed(_ name: String, configuration: UInt8 = 29,
                           _ build: (inout DeviceScript) -> Void) -> FuzzSeed {
        var script = DeviceScript(configuration: configuration)
        build(&script)
        return FuzzSeed(name: name, bytes: script.bytes)
    }
}

/// A `ctaphid-device` input under construction, report by report.
struct DeviceScript {
    var bytes: [UInt8]

    /// Configuration 29: room for 32 channels, candidates from 1, the clock from 0.
    init(configuration: UInt8) {
        bytes = [configuration]
    }

    /// Appends `reports`: the first after time step `after` (an index into the harness's steps) and an
    /// optional poll, the last followed by the application's `answer`.
    mutating func send(_ reports: [[UInt8]], after step: UInt8 = 0, poll: Bool = false,
                       then answer: CTAPHIDDeviceHarness.Answer = .none) {
        for (index, report) in reports.enumerated() {
            var control: UInt8 = index == 0 ? step | (poll ? 0x08 : 0) : 0
            if index == reports.count - 1 {
                control |= answer.rawValue << 4
            }
            bytes += [control] + report
        }
    }
}
