/// A complete vendor-command message (0x40...0x7F) for the device's application.
public struct CTAPHIDMessage: Hashable, Sendable {
    /// The channel to answer on.
    public var channel: CTAPHIDChannelID
    /// The vendor command.
    public var command: CTAPHIDCommand
    /// The message's payload, reassembled.
    public var payload: [UInt8]

    /// A message with every field given.
    public init(channel: CTAPHIDChannelID, command: CTAPHIDCommand, payload: [UInt8]) {
        self.channel = channel
        self.command = command
        self.payload = payload
    }
}

/// Something the caller of `CTAPHIDDevice` must do, in the order given.
public enum CTAPHIDDeviceAction: Hashable, Sendable {
    /// Send this 64-byte IN report to the host.
    case send(report: [UInt8])
    /// Hand this message to the application. The device stays busy with its channel until the
    /// application answers with `respond(...)`; meanwhile it may send `keepalive(...)` reports.
    case deliver(CTAPHIDMessage)
    /// The host asked the device to identify itself (CTAPHID_WINK); already answered on the wire.
    case wink(channel: CTAPHIDChannelID)
    /// The host cancelled the message the application is working on (CTAPHID_CANCEL). The application
    /// should stop and still answer through `respond(...)` (with its own "cancelled" status or an error).
    case cancel(channel: CTAPHIDChannelID)
}

/// Why the application's answer could not be sent.
public enum CTAPHIDDeviceError: Error, Hashable, Sendable {
    /// No message from this channel awaits an answer: the host resynchronised the channel with
    /// CTAPHID_INIT, or the answer was already given. The answer is dropped; nothing was sent.
    case noPendingMessage(channel: CTAPHIDChannelID)
    /// The answer is longer than `CTAPHIDLimits.maxMessageSize`. Nothing was sent; the message still
    /// awaits an answer (an error, say).
    case messageTooLong(length: Int)
}

/// The device's one transaction (§11.2.5.1: a device serves one transaction at a time).
enum CTAPHIDDeviceTransaction {
    /// Nothing in progress: any allocated channel may start a message.
    case idle
    /// An init packet arrived and continuations are awaited.
    case receiving(Receiving)
    /// A vendor message went to the application, which has not answered yet.
    case processing(Processing)

    struct Receiving {
        var assembly: CTAPHIDMessageAssembly
        /// When the init packet arrived, for the whole message's deadline.
        let startedAt: UInt64
        /// When the last packet of the message arrived, for the silence timeout.
        var lastPacketAt: UInt64

        init(first packet: CTAPHIDInitializationPacket, now: UInt64) {
            assembly = CTAPHIDMessageAssembly(first: packet)
            startedAt = now
            lastPacketAt = now
        }

        /// When the message times out if no packet arrives meanwhile (`hasTimedOut` turns true then).
        var deadline: UInt64 {
            let silent = lastPacketAt.addingReportingOverflow(CTAPHIDLimits.messageTimeoutMilliseconds)
            let overdue = startedAt.addingReportingOverflow(CTAPHIDLimits.messageDeadlineMilliseconds)
            return min(silent.overflow ? .max : silent.partialValue, overdue.overflow ? .max : overdue.partialValue)
        }

        /// True once the message went silent for `messageTimeoutMilliseconds`, or has taken
        /// `messageDeadlineMilliseconds` since its init packet, however its packets came.
        func hasTimedOut(at now: UInt64) -> Bool {
            // A clock that went backwards counts as no time passed.
            let silent = now >= lastPacketAt && now - lastPacketAt >= CTAPHIDLimits.messageTimeoutMilliseconds
            let overdue = now >= startedAt && now - startedAt >= CTAPHIDLimits.messageDeadlineMilliseconds
            return silent || overdue
        }
    }

    struct Processing {
        let channel: CTAPHIDChannelID

        init(delivering message: CTAPHIDMessage) {
            channel = message.channel
        }
    }

    /// The channel the transaction belongs to, if any.
    var channel: CTAPHIDChannelID? {
        switch self {
        case .idle: nil
        case .receiving(let receiving): receiving.assembly.channel
        case .processing(let processing): processing.channel
        }
    }
}

/// A CTAPHID_LOCK in force: only `channel` may talk to the device until `expiry` (§11.2.6).
struct CTAPHIDChannelLock {
    let channel: CTAPHIDChannelID
    /// Time (ms) at which the lock lapses.
    let expiry: UInt64
}
