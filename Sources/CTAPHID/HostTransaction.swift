/// One request and its response, host side, as a sans-I/O state machine.
///
/// ```swift
/// var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: bytes)
/// for report in exchange.requestReports { try hid.write(report) }
/// while true {
///     if case .response(let payload) = try exchange.receive(report: try hid.read()) { return payload }
/// }
/// ```
///
/// Keep-alives are reported and skipped, CTAPHID_ERROR surfaces as `CTAPHIDHostError.device`, and
/// reports on other channels, out-of-sequence continuations and oversize lengths are refused.
/// After a response or any error the exchange is over; start a new one.
public struct CTAPHIDHostTransaction: Sendable {
    /// The channel of the exchange.
    public let channel: CTAPHIDChannelID
    /// The command requested, which the response must carry.
    public let command: CTAPHIDCommand
    /// The request, as reports to send in order.
    public let requestReports: [[UInt8]]
    private var response: CTAPHIDMessageAssembly?
    /// True once a response or an error has ended the exchange.
    public private(set) var isFinished = false

    /// Frames a request of `command` carrying `payload` on `channel`.
    public init(channel: CTAPHIDChannelID, command: CTAPHIDCommand, payload: [UInt8]) throws(CTAPHIDHostError) {
        guard payload.count <= CTAPHIDLimits.maxMessageSize else {
            throw .requestTooLong(length: payload.count)
        }
        self.channel = channel
        self.command = command
        self.requestReports = CTAPHIDMessageEncoder.boundedReports(channel: channel, command: command, payload: payload)
    }

    /// Takes one IN report. Returns nil when more reports are needed, `.keepalive` while the device
    /// works, and `.response` with the whole payload at the end.
    public mutating func receive(report: [UInt8]) throws(CTAPHIDHostError) -> CTAPHIDHostEvent? {
        precondition(!isFinished, "the exchange is over; start a new one")
        do throws(CTAPHIDHostError) {
            let event = try step(report)
            if case .response = event {
                isFinished = true
            }
            return event
        } catch {
            isFinished = true
            throw error
        }
    }

    private mutating func step(_ report: [UInt8]) throws(CTAPHIDHostError) -> CTAPHIDHostEvent? {
        guard let packet = CTAPHIDPacket(report: report) else {
            throw .malformedReport(length: report.count)
        }
        guard packet.channel == channel else {
            throw .wrongChannel(packet.channel)
        }
        switch packet {
        case .initialization(let first):
            return try start(first)
        case .continuation(let next):
            guard var assembly = response else { throw .unexpectedContinuation }
            // Leave the optional before appending so the buffer is uniquely referenced and grows in place.
            response = nil
            guard assembly.append(next) else {
                throw .outOfSequence(expected: assembly.nextSequence, received: next.sequence)
            }
            return finishOrWait(assembly)
        }
    }

    private mutating func start(_ first: CTAPHIDInitializationPacket) throws(CTAPHIDHostError) -> CTAPHIDHostEvent? {
        if first.command == .error {
            // An error may cut a response short, so it is honoured at any point.
            throw .device(first.messageLength >= 1 ? CTAPHIDErrorCode(rawValue: first.data[0]) : .other)
        }
        guard response == nil else { throw .unexpectedInitialization }
        if first.command == .keepalive {
            return .keepalive(CTAPHIDKeepaliveStatus(rawValue: first.data[0]))
        }
        guard first.command == command else { throw .unexpectedCommand(first.command) }
        guard first.messageLength <= CTAPHIDLimits.maxMessageSize else {
            throw .responseTooLong(length: first.messageLength)
        }
        return finishOrWait(CTAPHIDMessageAssembly(first: first))
    }

    private mutating func finishOrWait(_ assembly: CTAPHIDMessageAssembly) -> CTAPHIDHostEvent? {
        if assembly.isComplete {
            return .response(assembly.payload)
        }
        response = assembly
        return nil
    }
}
