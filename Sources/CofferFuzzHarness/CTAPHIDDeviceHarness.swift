import CTAPHID

/// Fuzz target `ctaphid-device`: the device side of CTAPHID fed arbitrary OUT reports at arbitrary times,
/// with an application that answers, stalls, fails or keeps the host waiting.
///
/// Input: a configuration byte, then records of 65 bytes, each a control byte and a 64-byte report. A
/// last record shorter than that still hands over what it has, a report of the wrong length that the
/// device must ignore.
/// - configuration: bits 0-4 channel capacity − 3; bits 5-6 which first channel candidate; bit 7 which
///   starting clock.
/// - control: bits 0-2 which time step comes before the report; bit 3 poll before the report; bits 4-6
///   what the application does, after the report, with the last message delivered (`Answer`).
///
/// Besides not crashing, the device must frame every report it sends correctly (`SentMessageReader`),
/// answer each report with at most one message (plus a timeout error for a stalled message), echo PING
/// and INIT nonces, hand only vendor messages to the application and only when no other is held, and
/// agree with itself about which message awaits an answer (`keepalive`, `respond`, `fail`). Every
/// answer is read back by the host side, which must recover it exactly.
struct CTAPHIDDeviceHarness {
    static let recordSize = 1 + CTAPHIDLimits.reportSize
    /// Milliseconds between reports: on both sides of the message timeout and of a lock's lapse.
    static let timeSteps: [UInt64] = [0, 1, 100, 499, 500, 1_000, 9_999, 10_001]
    /// First channel candidates: the ordinary start, and the edges where allocation must skip
    /// broadcast and 0.
    static let firstCandidates: [UInt32] = [1, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x8000_0000]
    static let startingClocks: [UInt64] = [0, 1 << 40]
    static let version = CTAPHIDDeviceVersion(major: 1, minor: 2, build: 3)
    static let fullPayload = (0..<CTAPHIDLimits.maxMessageSize).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    /// What the application does with the last message delivered, after each report.
    enum Answer: UInt8 {
        case none, echo, empty, full, tooLong, fail, keepalive, wrongChannel
    }

    /// The first packet of the last message started on a channel, as sent, for checking echoes.
    struct Start {
        var command: UInt8
        var length: Int
        var data: ArraySlice<UInt8>
    }

    private var device: CTAPHIDDevice<CTAPHIDSequentialChannelIDs>
    private var now: UInt64
    /// The last message delivered to the application, answered or not.
    private var held: CTAPHIDMessage?
    private var starts: [CTAPHIDChannelID: Start] = [:]
    /// The channel holding a CTAPHID_LOCK and when it lapses, as the device's LOCK answers tell.
    private var lock: (channel: CTAPHIDChannelID, expiry: UInt64)?

    /// Runs one input.
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        var harness = CTAPHIDDeviceHarness(configuration: input.byte())
        while input.remaining > 0 {
            let control = input.byte()
            harness.step(control: control, report: input.bytes(upTo: CTAPHIDLimits.reportSize))
        }
    }

    private init(configuration: UInt8) {
        let capacity = 3 + Int(configuration & 0x1F)
        let first = Self.firstCandidates[Int(configuration >> 5 & 0x03)]
        device = CTAPHIDDevice(version: Self.version, channelIDs: CTAPHIDSequentialChannelIDs(first: first),
                               channelCapacity: capacity)
        now = Self.startingClocks[Int(configuration >> 7)]
    }

    private mutating func step(control: UInt8, report: [UInt8]) {
        now += Self.timeSteps[Int(control & 0x07)]
        if control & 0x08 != 0 {
            poll()
        }
        receive(report)
        if let held, let answer = Answer(rawValue: control >> 4 & 0x07) {
            respond(to: held, answer)
        }
        if let held, isProcessing(held.channel) {
            invariant(device.isBusy, "a message awaits an answer but the device says it is not busy")
        }
    }

    /// True if the device holds a message from `channel` for the application to answer.
    private func isProcessing(_ channel: CTAPHIDChannelID) -> Bool {
        device.keepalive(channel: channel, status: .processing) != nil
    }

    // MARK: - Reports in

    private mutating func poll() {
        var reader = SentMessageReader()
        for action in device.poll(now: now) {
            guard case .send(let report) = action else {
                return invariant(false, "poll did more than send a report")
            }
            reader.read(report)
        }
        let sent = reader.finished()
        invariant(sent.count <= 1, "poll sent \(sent.count) messages")
        if let timeout = sent.first {
            invariant(timeout.command == 0x3F && timeout.payload == [0x05], "poll sent something else than a timeout")
            invariant(!device.isBusy, "a timed-out message still keeps the device busy")
        }
    }

    private mutating func receive(_ report: [UInt8]) {
        let processingBefore = held.map(\.channel).flatMap { isProcessing($0) ? $0 : nil }
        let actions = device.receive(report: report, now: now)
        guard report.count == CTAPHIDLimits.reportSize else {
            return invariant(actions.isEmpty, "a report of \(report.count) bytes was not ignored")
        }
        let packet = WirePacket(report)
        if packet.isInitialization {
            starts[packet.channel] = Start(command: packet.command, length: packet.length, data: packet.data)
        }
        var reader = SentMessageReader()
        var delivered: CTAPHIDMessage?
        var winked = false
        for action in actions {
            switch action {
            case .send(let sent):
                reader.read(sent)
            case .deliver(let message):
                invariant(delivered == nil, "two messages delivered for one report")
                delivered = message
            case .wink(let channel):
                invariant(packet.is(0x08, on: channel), "a wink action without a WINK request")
                winked = true
            case .cancel(let channel):
                invariant(packet.is(0x11, on: channel), "a cancel action without a CANCEL request")
                invariant(processingBefore == channel, "a cancel action for a message not held")
            }
        }
        let sent = reader.finished()
        check(sent, for: packet, winked: winked)
        if let holder = lock, now < holder.expiry, holder.channel != packet.channel {
            invariant(delivered == nil && !winked && sent.allSatisfy { $0.command == 0x3F },
                      "a channel served while another holds the lock")
        }
        if sent.last?.command == 0x04, let seconds = starts[packet.channel]?.data.first {
            invariant(Int(seconds) <= CTAPHIDLimits.maxLockSeconds, "a lock of \(seconds) s granted")
            lock = seconds == 0 ? nil : (packet.channel, now + UInt64(seconds) * 1000)
        }
        if let delivered {
            check(delivered, for: packet, processingBefore: processingBefore)
            held = delivered
        }
    }

    private func check(_ sent: [SentMessage], for packet: WirePacket, winked: Bool) {
        invariant(sent.count <= 2, "\(sent.count) messages sent for one report")
        for (index, message) in sent.enumerated() {
            if message.command == 0x3F {
                invariant(message.payload.count == 1, "an error message of \(message.payload.count) bytes")
                let timedOut = index == 0 && message.payload == [0x05]
                invariant(timedOut || message.channel == packet.channel, "an error sent to another channel")
                continue
            }
            invariant(message.channel == packet.channel, "an answer sent to another channel")
            invariant(index == sent.count - 1, "an answer before another message")
            let start = starts[packet.channel]
            invariant(start?.command == message.command, "an answer to a command that was not asked")
            switch message.command {
            case 0x01:
                invariant(message.payload.count == start?.length, "a PING echo of the wrong length")
                invariant(message.payload.starts(with: start?.data.prefix(message.payload.count) ?? []),
                          "a PING echo that differs from the request")
            case 0x06:
                checkInitResponse(message, for: packet)
            case 0x08:
                invariant(message.payload.isEmpty && winked, "a WINK answer with a payload or no wink action")
            case 0x04:
                invariant(message.payload.isEmpty, "a LOCK answer with a payload")
            default:
                invariant(false, "the device answered command \(message.command) by itself")
            }
        }
    }

    private func checkInitResponse(_ message: SentMessage, for packet: WirePacket) {
        let nonce = Array(packet.data.prefix(CTAPHIDLimits.initNonceSize))
        invariant(packet.isInitialization && packet.length == nonce.count, "an INIT answer to a malformed INIT")
        var opening = CTAPHIDChannelOpening(nonce: nonce, channel: packet.channel)
        var response: CTAPHIDInitResponse?
        for report in message.reports {
            do {
                response = try opening.receive(report: report)
            } catch {
                return invariant(false, "the host side refuses the device's INIT answer: \(error)")
            }
        }
        guard let response else { return invariant(false, "the host side did not finish the INIT answer") }
        invariant(message.payload.count == CTAPHIDInitResponse.size, "an INIT answer of the wrong size")
        invariant(device.isAllocated(response.channel), "INIT assigned a channel the device does not know")
        invariant(response.deviceVersion == Self.version, "INIT reports another version")
        invariant(response.capabilities == CTAPHIDDevice<CTAPHIDSequentialChannelIDs>.capabilities,
                  "INIT reports other capabilities")
    }

    private func check(_ message: CTAPHIDMessage, for packet: WirePacket, processingBefore: CTAPHIDChannelID?) {
        invariant(processingBefore == nil, "a message delivered while another awaits its answer")
        invariant(message.command.isVendor, "command \(message.command.rawValue) delivered to the application")
        invariant(message.channel == packet.channel, "a message delivered for another channel than the report's")
        let start = starts[message.channel]
        invariant(start?.command == message.command.rawValue, "a message delivered with another command")
        invariant(message.payload.count == start?.length, "a message delivered with the wrong length")
        invariant(message.payload.starts(with: start?.data.prefix(message.payload.count) ?? []),
                  "a message delivered with other bytes than were sent")
        invariant(isProcessing(message.channel) && device.isBusy, "a delivered message is not awaiting an answer")
    }

    // MARK: - The application's answers

    private mutating func respond(to message: CTAPHIDMessage, _ answer: Answer) {
        let live = isProcessing(message.channel)
        switch answer {
        case .none:
            break
        case .echo:
            respond(to: message, with: message.payload, live: live)
        case .empty:
            respond(to: message, with: [], live: live)
        case .full:
            respond(to: message, with: Self.fullPayload, live: live)
        case .tooLong:
            do {
                _ = try device.respond(channel: message.channel, command: message.command,
                                       payload: Self.fullPayload + [0])
                invariant(false, "an answer over the maximum was framed")
            } catch {
                let expected: CTAPHIDDeviceError = live
                    ? .messageTooLong(length: CTAPHIDLimits.maxMessageSize + 1)
                    : .noPendingMessage(channel: message.channel)
                invariant(error == expected, "an answer over the maximum refused with \(error)")
                invariant(isProcessing(message.channel) == live, "a refused answer changed what awaits an answer")
            }
        case .fail:
            do {
                let report = try device.fail(channel: message.channel, code: .other)
                invariant(live, "an error answer accepted for a message not held")
                readBack([report], expecting: .device(.other), command: message.command, on: message.channel)
                invariant(!device.isBusy, "the device is still busy after the error answer")
            } catch {
                invariant(!live && error == .noPendingMessage(channel: message.channel),
                          "an error answer refused with \(error)")
            }
        case .keepalive:
            let report = device.keepalive(channel: message.channel, status: .userPresenceNeeded)
            invariant((report != nil) == live, "a keepalive for a message not held, or none for one held")
            if let report {
                var exchange = hostExchange(command: message.command, on: message.channel)
                let event = try? exchange.receive(report: report)
                invariant(event == .keepalive(.userPresenceNeeded), "the host misreads the keepalive")
            }
        case .wrongChannel:
            let other = CTAPHIDChannelID(rawValue: message.channel.rawValue &+ 1)
            do {
                _ = try device.respond(channel: other, command: message.command, payload: [])
                invariant(false, "an answer accepted on a channel that holds no message")
            } catch {
                invariant(error == .noPendingMessage(channel: other),
                          "an answer on another channel refused with \(error)")
            }
        }
    }

    private mutating func respond(to message: CTAPHIDMessage, with payload: [UInt8], live: Bool) {
        do {
            let reports = try device.respond(channel: message.channel, command: message.command, payload: payload)
            invariant(live, "an answer accepted for a message not held")
            invariant(!device.isBusy, "the device is still busy after the answer")
            var reader = SentMessageReader()
            reports.forEach { reader.read($0) }
            invariant(reader.finished().count == 1, "an answer framed as several messages")
            readBack(reports, expecting: nil, command: message.command, on: message.channel, payload: payload)
        } catch {
            invariant(!live && error == .noPendingMessage(channel: message.channel), "an answer refused with \(error)")
        }
    }

    /// Feeds the device's answer to the host side, which must read back `payload`, or fail with `failure`.
    private func readBack(_ reports: [[UInt8]], expecting failure: CTAPHIDHostError?, command: CTAPHIDCommand,
                          on channel: CTAPHIDChannelID, payload: [UInt8] = []) {
        var exchange = hostExchange(command: command, on: channel)
        for (index, report) in reports.enumerated() {
            do {
                let event = try exchange.receive(report: report)
                let isLast = index == reports.count - 1
                invariant(isLast ? event == .response(payload) : event == nil, "the host reads the answer otherwise")
            } catch {
                return invariant(error == failure, "the host refuses the answer with \(error)")
            }
        }
        invariant(failure == nil, "the host accepts an answer it should refuse")
    }

    private func hostExchange(command: CTAPHIDCommand, on channel: CTAPHIDChannelID) -> CTAPHIDHostTransaction {
        do {
            return try CTAPHIDHostTransaction(channel: channel, command: command, payload: [])
        } catch {
            fatalError("an empty request always frames")
        }
    }
}
