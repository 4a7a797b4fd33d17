// The commands the device answers itself: INIT (§11.2.9.1.3), CANCEL (§11.2.9.1.5), PING
// (§11.2.9.1.4), WINK (§11.2.9.2.1) and LOCK (§11.2.9.2.2); vendor commands go to the application.

extension CTAPHIDDevice {
    /// CTAPHID_INIT. On the broadcast channel it allocates a channel; on an allocated channel it
    /// resynchronises it, dropping whatever that channel had in progress. The response echoes the nonce
    /// and goes out on the channel the request came in on. INIT needs no free device, as it is answered
    /// at once and leaves another channel's transaction alone; only a lock held elsewhere refuses it.
    mutating func initialize(_ packet: CTAPHIDInitializationPacket, actions: inout [CTAPHIDDeviceAction]) {
        let channel = packet.channel
        guard channel == .broadcast || channels.contains(channel) else {
            return actions.append(errorAction(channel, .invalidChannel))
        }
        if isLockedAgainst(channel) {
            return actions.append(errorAction(channel, .channelBusy))
        }
        guard packet.messageLength == CTAPHIDLimits.initNonceSize else {
            return actions.append(errorAction(channel, .invalidLength))
        }
        let assigned: CTAPHIDChannelID
        if channel == .broadcast {
            let busy = transaction.channel
            let locking = lock?.channel
            assigned = channels.allocate(near: channelIDs.nextChannelID()) { $0 == busy || $0 == locking }
        } else {
            if transaction.channel == channel {
                transaction = .idle
            }
            channels.touch(channel)
            assigned = channel
        }
        let response = CTAPHIDInitResponse(
            nonce: Array(packet.data.prefix(CTAPHIDLimits.initNonceSize)),
            channel: assigned,
            deviceVersion: version,
            capabilities: Self.capabilities
        )
        send(channel: channel, command: .initialize, payload: response.payload, actions: &actions)
    }

    /// CTAPHID_CANCEL: never answered. A message still arriving on the channel is dropped; a message
    /// the application is working on is reported to it so that it can stop and answer.
    mutating func cancel(on channel: CTAPHIDChannelID, actions: inout [CTAPHIDDeviceAction]) {
        switch transaction {
        case .receiving(let receiving) where receiving.assembly.channel == channel:
            transaction = .idle
        case .processing(let processing) where processing.channel == channel:
            actions.append(.cancel(channel: channel))
        default:
            break
        }
    }

    /// A whole message has arrived (the transaction is idle again): answer it or hand it on.
    mutating func complete(_ message: CTAPHIDMessageAssembly, now: UInt64, actions: inout [CTAPHIDDeviceAction]) {
        let channel = message.channel
        switch message.command {
        case .ping:
            send(channel: channel, command: .ping, payload: message.payload, actions: &actions)
        case .wink:
            send(channel: channel, command: .wink, payload: [], actions: &actions)
            actions.append(.wink(channel: channel))
        case .lock:
            let seconds = message.payload[0]
            guard Int(seconds) <= CTAPHIDLimits.maxLockSeconds else {
                return actions.append(errorAction(channel, .invalidParameter))
            }
            // LOCK 0 releases at once; any other value (re)starts the lock from now.
            lock = seconds == 0 ? nil : CTAPHIDChannelLock(channel: channel, expiry: now + UInt64(seconds) * 1000)
            send(channel: channel, command: .lock, payload: [], actions: &actions)
        default:
            precondition(message.command.isVendor, "init packet refusal lets only known commands through")
            let delivered = CTAPHIDMessage(channel: channel, command: message.command, payload: message.payload)
            transaction = .processing(CTAPHIDDeviceTransaction.Processing(delivering: delivered))
            actions.append(.deliver(delivered))
        }
    }

    private func send(
        channel: CTAPHIDChannelID,
        command: CTAPHIDCommand,
        payload: [UInt8],
        actions: inout [CTAPHIDDeviceAction]
    ) {
        for report in CTAPHIDMessageEncoder.boundedReports(channel: channel, command: command, payload: payload) {
            actions.append(.send(report: report))
        }
    }
}
