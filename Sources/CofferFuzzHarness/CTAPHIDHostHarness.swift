import CTAPHID

/// Fuzz target `ctaphid-host`: the host side of CTAPHID (a request's exchange, or a channel opening)
/// fed arbitrary IN reports, as from a broken or hostile device.
///
/// Input: a 16-byte header, then 64-byte reports; a last, shorter chunk is handed over as a report of
/// the wrong length.
/// - header: mode (bit 0: open a channel rather than exchange a request; bit 1: open on the channel
///   below rather than broadcast), the request's command, its payload length (big-endian, up to 7611
///   so that the refusal of oversize requests is reached), the channel (4 bytes), the INIT nonce
///   (8 bytes).
///
/// Properties: the request is framed into well-formed reports that carry exactly the payload; a
/// response is handed over only with the payload and length its packets carried; a report of the
/// wrong size or from another channel ends the exchange with the error that says so; the exchange
/// reports itself finished exactly when a response or an error ends it. An opening returns only a
/// response that echoes its nonce and names a usable channel.
struct CTAPHIDHostHarness {
    static let headerSize = 16

    /// Runs one input.
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let mode = input.byte()
        let command = CTAPHIDCommand(rawValue: input.byte() & 0x7F)
        let length = Int(input.uint16()) % (CTAPHIDLimits.maxMessageSize + 3)
        let channel = CTAPHIDChannelID(rawValue: input.uint32())
        let nonce = (0..<CTAPHIDLimits.initNonceSize).map { _ in input.byte() }
        if mode & 0x01 != 0 {
            open(channel: mode & 0x02 != 0 ? channel : .broadcast, nonce: nonce, input: &input)
        } else {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            exchange(command: command, payload: payload, on: channel, input: &input)
        }
    }

    private static func exchange(command: CTAPHIDCommand, payload: [UInt8], on channel: CTAPHIDChannelID,
                                 input: inout FuzzInput) {
        let exchange: CTAPHIDHostTransaction
        do {
            exchange = try CTAPHIDHostTransaction(channel: channel, command: command, payload: payload)
        } catch {
            return invariant(payload.count > CTAPHIDLimits.maxMessageSize && error == .requestTooLong(length:
                payload.count), "a request of \(payload.count) bytes refused with \(error)")
        }
        invariant(payload.count <= CTAPHIDLimits.maxMessageSize, "a request over the maximum was framed")
        var reader = SentMessageReader()
        exchange.requestReports.forEach { reader.read($0) }
        let framed = reader.finished()
        invariant(framed.count == 1 && framed[0].channel == channel && framed[0].command == command.rawValue
                  && framed[0].payload == payload, "the request's reports do not carry the request")
        receive(into: exchange, input: &input)
    }

    /// Feeds reports until the exchange ends or the input does, checking each step against what the
    /// reports themselves say.
    private static func receive(into exchange: CTAPHIDHostTransaction, input: inout FuzzInput) {
        var exchange = exchange
        // The response as the harness reads it: BCNT and the data of its packets so far.
        var response: (length: Int, data: [UInt8])?
        while input.remaining > 0, !exchange.isFinished {
            let report = input.bytes(upTo: CTAPHIDLimits.reportSize)
            let event: CTAPHIDHostEvent?
            do {
                event = try exchange.receive(report: report)
            } catch {
                invariant(exchange.isFinished, "an error did not end the exchange")
                check(error, for: report, exchange: exchange)
                return
            }
            let packet = WirePacket(report)
            invariant(report.count == CTAPHIDLimits.reportSize && packet.channel == exchange.channel,
                      "a report of the wrong size or channel was accepted")
            if packet.isInitialization, packet.command == exchange.command.rawValue {
                response = (packet.length, Array(packet.data))
            } else if !packet.isInitialization {
                response?.data.append(contentsOf: packet.data)
            }
            switch event {
            case nil:
                invariant(!exchange.isFinished, "the exchange finished without a response")
            case .keepalive(let status):
                invariant(packet.is(0x3B, on: exchange.channel) && status.rawValue == packet.data.first,
                          "a keepalive reported for another report")
                invariant(!exchange.isFinished, "a keepalive finished the exchange")
            case .response(let payload):
                invariant(exchange.isFinished, "a response did not finish the exchange")
                invariant(response.map { payload == Array($0.data.prefix($0.length)) } == true,
                          "a response other than its packets carried")
            }
        }
    }

    private static func check(_ error: CTAPHIDHostError, for report: [UInt8], exchange: CTAPHIDHostTransaction) {
        guard report.count == CTAPHIDLimits.reportSize else {
            return invariant(error == .malformedReport(length: report.count), "a short report refused with \(error)")
        }
        let packet = WirePacket(report)
        if packet.channel != exchange.channel {
            invariant(error == .wrongChannel(packet.channel), "another channel's report refused with \(error)")
        } else if packet.is(0x3F, on: exchange.channel) {
            let code = packet.length >= 1 ? packet.data.first : CTAPHIDErrorCode.other.rawValue
            invariant(error == .device(CTAPHIDErrorCode(rawValue: code ?? 0)), "a device error read as \(error)")
        }
    }

    private static func open(channel: CTAPHIDChannelID, nonce: [UInt8], input: inout FuzzInput) {
        var opening = CTAPHIDChannelOpening(nonce: nonce, channel: channel)
        let request = WirePacket(opening.requestReport)
        invariant(opening.requestReport.count == CTAPHIDLimits.reportSize && request.is(0x06, on: channel)
                  && request.length == nonce.count && request.data.starts(with: nonce), "a malformed INIT request")
        while input.remaining > 0 {
            let response: CTAPHIDInitResponse?
            do {
                response = try opening.receive(report: input.bytes(upTo: CTAPHIDLimits.reportSize))
            } catch {
                return
            }
            guard let response else { continue }
            invariant(response.nonce == nonce, "an INIT response for another nonce accepted")
            invariant(response.channel.isAllocatable, "an INIT response naming channel 0 or broadcast accepted")
            invariant(channel == .broadcast || response.channel == channel, "a resync moved to another channel")
            return
        }
    }
}
