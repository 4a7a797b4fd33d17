/// The device side of CTAPHID (FIDO CTAP 2.1, §11.2) as a sans-I/O state machine.
///
/// Reports and the time go in; actions come out, and the caller performs them in order:
///
/// ```swift
/// var ctaphid = CTAPHIDDevice(version: v, channelIDs: ids)
/// for action in ctaphid.receive(report: report, now: clock.milliseconds()) {
///     switch action {
///     case .send(let report): usb.send(report)
///     case .deliver(let message):                       // a vendor command, 0x40...0x7F
///         let answer = vault.handle(message.payload)
///         for report in try ctaphid.respond(channel: message.channel, command: message.command,
///                                           payload: answer) { usb.send(report) }
///     case .wink: led.blink()
///     case .cancel: vault.cancel()
///     }
/// }
/// ```
///
/// The device answers INIT, PING, WINK, LOCK and CANCEL itself, enforces one transaction at a time
/// (others get ERR_CHANNEL_BUSY), times out a message after `CTAPHIDLimits.messageTimeoutMilliseconds`
/// of silence or `CTAPHIDLimits.messageDeadlineMilliseconds` after its init packet, whichever comes
/// first (checked on each report and on `poll(now:)`), and
/// reports every framing fault with the standard CTAPHID_ERROR code. Memory is bounded: one message
/// buffer of at most 7609 bytes and a channel table of fixed capacity.
public struct CTAPHIDDevice<ChannelIDs: CTAPHIDChannelIDSource> {
    /// The capabilities this device announces: WINK, and NMSG because it has no CTAPHID_MSG.
    public static var capabilities: CTAPHIDCapabilities { [.wink, .noMessage] }

    /// The device version reported in INIT responses.
    public let version: CTAPHIDDeviceVersion
    var channelIDs: ChannelIDs
    var channels: CTAPHIDChannelTable
    var transaction = CTAPHIDDeviceTransaction.idle
    var lock: CTAPHIDChannelLock?

    /// A device with no channels allocated yet.
    /// - Parameters:
    ///   - version: the major/minor/build version reported in INIT responses.
    ///   - channelIDs: candidates for new channel identifiers (random in a firmware).
    ///   - channelCapacity: channels remembered at once (at least 3); the least recently used idle
    ///     one is forgotten when a new one needs room.
    public init(version: CTAPHIDDeviceVersion, channelIDs: ChannelIDs, channelCapacity: Int = 32) {
        self.version = version
        self.channelIDs = channelIDs
        self.channels = CTAPHIDChannelTable(capacity: channelCapacity)
    }

    /// True while a message is being received or awaits the application's answer.
    public var isBusy: Bool {
        transaction.channel != nil
    }

    /// True if `channel` is currently allocated.
    public func isAllocated(_ channel: CTAPHIDChannelID) -> Bool {
        channels.contains(channel)
    }

    /// Handles one OUT report received at `now` (milliseconds, monotonic). A report that is not
    /// exactly 64 bytes is ignored.
    public mutating func receive(report: [UInt8], now: UInt64) -> [CTAPHIDDeviceAction] {
        guard let packet = CTAPHIDPacket(report: report) else { return [] }
        var actions = poll(now: now)
        switch packet {
        case .initialization(let packet): start(packet, now: now, actions: &actions)
        case .continuation(let packet): resume(packet, now: now, actions: &actions)
        }
        return actions
    }

    /// Lets time pass with no report: ends an expired lock and answers a stalled message with
    /// ERR_MSG_TIMEOUT. Call it now and then (every 100 ms, say) when no report arrives.
    public mutating func poll(now: UInt64) -> [CTAPHIDDeviceAction] {
        if let current = lock, now >= current.expiry {
            lock = nil
        }
        guard case .receiving(let receiving) = transaction, receiving.hasTimedOut(at: now) else { return [] }
        transaction = .idle
        return [errorAction(receiving.assembly.channel, .messageTimeout)]
    }

    /// The earliest time (ms, monotonic) at which `poll(now:)` may change something: a lock's expiry or
    /// a stalled message's timeout, whichever comes first; nil when neither is pending.
    public var nextDeadline: UInt64? {
        var earliest = lock?.expiry
        if case .receiving(let receiving) = transaction {
            earliest = min(earliest ?? .max, receiving.deadline)
        }
        return earliest
    }

    /// Answers the message delivered on `channel`, ending its transaction, and returns the reports
    /// to send. `command` is normally the request's own command.
    public mutating func respond(
        channel: CTAPHIDChannelID,
        command: CTAPHIDCommand,
        payload: [UInt8]
    ) throws(CTAPHIDDeviceError) -> [[UInt8]] {
        guard case .processing(let processing) = transaction, processing.channel == channel else {
            throw .noPendingMessage(channel: channel)
        }
        guard payload.count <= CTAPHIDLimits.maxMessageSize else {
            throw .messageTooLong(length: payload.count)
        }
        transaction = .idle
        return CTAPHIDMessageEncoder.boundedReports(channel: channel, command: command, payload: payload)
    }

    /// Answers the message delivered on `channel` with CTAPHID_ERROR `code`, ending its transaction.
    public mutating func fail(channel: CTAPHIDChannelID, code: CTAPHIDErrorCode) throws(CTAPHIDDeviceError) -> [UInt8] {
        guard case .processing(let processing) = transaction, processing.channel == channel else {
            throw .noPendingMessage(channel: channel)
        }
        transaction = .idle
        return CTAPHIDMessageEncoder.errorReport(channel: channel, code: code)
    }

    /// A CTAPHID_KEEPALIVE report for the message the application is working on, or nil if no message
    /// from `channel` awaits an answer. Send one at least every 100 ms of work (§11.2.9.1.7).
    public func keepalive(channel: CTAPHIDChannelID, status: CTAPHIDKeepaliveStatus) -> [UInt8]? {
        guard case .processing(let processing) = transaction, processing.channel == channel else { return nil }
        return CTAPHIDMessageEncoder.keepaliveReport(channel: channel, status: status)
    }

    // MARK: - Packets

    /// An init packet: INIT and CANCEL may interrupt; anything else starts a message if the device is free.
    private mutating func start(
        _ packet: CTAPHIDInitializationPacket,
        now: UInt64,
        actions: inout [CTAPHIDDeviceAction]
    ) {
        let channel = packet.channel
        if packet.command == .initialize {
            return initialize(packet, actions: &actions)
        }
        if packet.command == .cancel {
            return cancel(on: channel, actions: &actions)
        }
        guard channels.contains(channel) else {
            return actions.append(errorAction(channel, .invalidChannel))
        }
        if isLockedAgainst(channel) {
            return actions.append(errorAction(channel, .channelBusy))
        }
        switch transaction {
        case .idle:
            break
        case .receiving(let receiving) where receiving.assembly.channel == channel:
            // A new message before the last one finished: the host lost track of its own sequence.
            transaction = .idle
            return actions.append(errorAction(channel, .invalidSequence))
        case .receiving, .processing:
            return actions.append(errorAction(channel, .channelBusy))
        }
        channels.touch(channel)
        if let refusal = refusal(of: packet) {
            return actions.append(errorAction(channel, refusal))
        }
        let receiving = CTAPHIDDeviceTransaction.Receiving(first: packet, now: now)
        if receiving.assembly.isComplete {
            complete(receiving.assembly, now: now, actions: &actions)
        } else {
            transaction = .receiving(receiving)
        }
    }

    /// A continuation: the next piece of the message in progress, or noise to ignore (§11.2.5.4).
    private mutating func resume(
        _ packet: CTAPHIDContinuationPacket,
        now: UInt64,
        actions: inout [CTAPHIDDeviceAction]
    ) {
        guard case .receiving(var receiving) = transaction, receiving.assembly.channel == packet.channel else {
            return
        }
        // Leave the enum before appending so the buffer is uniquely referenced and grows in place.
        transaction = .idle
        guard receiving.assembly.append(packet) else {
            return actions.append(errorAction(packet.channel, .invalidSequence))
        }
        receiving.lastPacketAt = now
        channels.touch(packet.channel)
        if receiving.assembly.isComplete {
            complete(receiving.assembly, now: now, actions: &actions)
        } else {
            transaction = .receiving(receiving)
        }
    }

    /// The error a message's init packet earns before any of it is buffered, or nil to accept it.
    private func refusal(of packet: CTAPHIDInitializationPacket) -> CTAPHIDErrorCode? {
        let expectedLength: Int?
        switch packet.command {
        case .ping: expectedLength = nil
        case .wink: expectedLength = 0
        case .lock: expectedLength = 1
        default:
            guard packet.command.isVendor else { return .invalidCommand }
            expectedLength = nil
        }
        if packet.messageLength > CTAPHIDLimits.maxMessageSize {
            return .invalidLength
        }
        if let expectedLength, packet.messageLength != expectedLength {
            return .invalidLength
        }
        return nil
    }

    func errorAction(_ channel: CTAPHIDChannelID, _ code: CTAPHIDErrorCode) -> CTAPHIDDeviceAction {
        .send(report: CTAPHIDMessageEncoder.errorReport(channel: channel, code: code))
    }

    func isLockedAgainst(_ channel: CTAPHIDChannelID) -> Bool {
        guard let lock else { return false }
        return lock.channel != channel
    }
}

extension CTAPHIDDevice: Sendable where ChannelIDs: Sendable {}
