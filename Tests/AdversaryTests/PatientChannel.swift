import CTAPHID
import CofferEmulator
import Foundation

/// Why an honest host gave up on an exchange.
enum ExchangeFailure: Error, Equatable {
    /// Nothing came back before the deadline (a lost datagram or a device that stopped serving).
    case noReply(String)
    /// The device forgot the channel (another host's INIT evicted it) while state lived on it: the
    /// channel was reopened and the caller must start its operation again.
    case channelLost
    /// The device answered CTAPHID_ERROR with a code an honest host does not expect.
    case device(CTAPHIDErrorCode)
    /// The answer broke CTAPHID framing.
    case framing(CTAPHIDHostError)
}

/// What an honest host went through to get its requests served.
struct ChannelStatistics: Sendable, Equatable {
    /// Requests that completed.
    var exchanges = 0
    /// ERR_CHANNEL_BUSY answers: another channel's transaction held the device, so the request was
    /// sent again after a short wait.
    var busyRetries = 0
    /// ERR_MSG_TIMEOUT answers: part of the request went missing and it was sent again.
    var timeoutRetries = 0
    /// Times the channel had to be opened again after the device evicted it.
    var reopened = 0

    static func + (lhs: Self, rhs: Self) -> Self {
        ChannelStatistics(
            exchanges: lhs.exchanges + rhs.exchanges, busyRetries: lhs.busyRetries + rhs.busyRetries,
            timeoutRetries: lhs.timeoutRetries + rhs.timeoutRetries, reopened: lhs.reopened + rhs.reopened)
    }
}

/// A CTAPHID channel that an honest host keeps working under contention and noise, over its own
/// UDP socket: CHANNEL_BUSY is retried after a growing wait on the socket, a channel the device
/// evicted is reopened, and reports for other channels (stale answers) are skipped. Every wait has
/// a deadline, so a device that stops answering fails the test instead of hanging it.
final class PatientChannel {
    let socket: UDPSocket
    let device: PeerAddress
    private(set) var channel = CTAPHIDChannelID.broadcast
    private(set) var statistics = ChannelStatistics()
    private var generator: SeededGenerator
    /// How long one request may take, retries included.
    let patienceMilliseconds: UInt64
    /// The longest wait between two retries of a busy request.
    static let maximumBackoffMilliseconds: Int32 = 16

    /// Opens a channel to the device on `port` of 127.0.0.1; INIT nonces come from `generator`.
    init(port: UInt16, generator: SeededGenerator, patienceMilliseconds: UInt64 = 30_000) throws {
        socket = try UDPSocket(host: "127.0.0.1", port: 0)
        device = try PeerAddress(host: "127.0.0.1", port: port)
        self.generator = generator
        self.patienceMilliseconds = patienceMilliseconds
        try open()
    }

    /// CTAPHID_INIT on the broadcast channel, until the answer that echoes this nonce arrives.
    func open() throws(ExchangeFailure) {
        let deadline = Self.now() + patienceMilliseconds
        var backoff: Int32 = 1
        while true {
            var opening = CTAPHIDChannelOpening(nonce: generator.bytes(CTAPHIDLimits.initNonceSize))
            send(opening.requestReport)
            let assigned: CTAPHIDChannelID?
            do throws(CTAPHIDHostError) {
                assigned = try awaitOpening(&opening, until: deadline)
            } catch .device(.channelBusy) {
                // A lock held by another channel: wait it out.
                backoff = pause(backoff)
                continue
            } catch {
                throw .framing(error)
            }
            guard let assigned else { throw .noReply("INIT") }
            channel = assigned
            return
        }
    }

    /// The channel the INIT answer with this nonce assigns; nil when the deadline passes first.
    private func awaitOpening(_ opening: inout CTAPHIDChannelOpening, until deadline: UInt64)
        throws(CTAPHIDHostError) -> CTAPHIDChannelID?
    {
        while let report = nextReport(until: deadline) {
            // Only broadcast answers can be ours; another channel's leftovers are skipped.
            guard ReportHeader.channel(of: report) == .broadcast else { continue }
            do throws(CTAPHIDHostError) {
                if let response = try opening.receive(report: report) { return response.channel }
            } catch .nonceMismatch {
                continue
            }
        }
        return nil
    }

    /// One request on the channel and the response payload. `resumable` says whether the request
    /// may simply be sent again on a new channel if the device evicted this one; a request whose
    /// meaning depends on earlier state on the channel (LoginFinish) is not, and the caller hears
    /// `.channelLost` instead.
    func exchange(_ command: CTAPHIDCommand, _ payload: [UInt8], resumable: Bool = true) throws(ExchangeFailure)
        -> [UInt8]
    {
        let deadline = Self.now() + patienceMilliseconds
        var backoff: Int32 = 1
        while true {
            guard Self.now() < deadline else { throw .noReply("command \(command.rawValue) (kept busy)") }
            var transaction: CTAPHIDHostTransaction
            do {
                transaction = try CTAPHIDHostTransaction(channel: channel, command: command, payload: payload)
            } catch {
                throw .framing(error)
            }
            for report in transaction.requestReports { send(report) }
            let answer: [UInt8]?
            do throws(CTAPHIDHostError) {
                answer = try awaitResponse(&transaction, until: deadline)
            } catch .device(.channelBusy) {
                statistics.busyRetries += 1
                backoff = pause(backoff)
                continue
            } catch .device(.messageTimeout) {
                statistics.timeoutRetries += 1
                continue
            } catch .device(.invalidChannel) {
                statistics.reopened += 1
                try open()
                if !resumable { throw .channelLost }
                continue
            } catch .device(let code) {
                throw .device(code)
            } catch {
                throw .framing(error)
            }
            guard let answer else { throw .noReply("command \(command.rawValue)") }
            statistics.exchanges += 1
            return answer
        }
    }

    /// The response payload of `transaction`; nil when the deadline passes first.
    private func awaitResponse(_ transaction: inout CTAPHIDHostTransaction, until deadline: UInt64)
        throws(CTAPHIDHostError) -> [UInt8]?
    {
        while let report = nextReport(until: deadline) {
            guard ReportHeader.channel(of: report) == channel else { continue }
            if case .response(let answer) = try transaction.receive(report: report) { return answer }
        }
        return nil
    }

    private func send(_ report: [UInt8]) {
        // Loopback sends only fail when the socket buffer is full; the reply wait then times out.
        _ = socket.send(report, to: device)
    }

    /// The next datagram, waiting at most until `deadline`; nil when it passes.
    private func nextReport(until deadline: UInt64) -> [UInt8]? {
        while true {
            if let (bytes, _) = socket.receive() { return bytes }
            let now = Self.now()
            guard now < deadline else { return nil }
            _ = socket.waitForDatagram(milliseconds: Int32(min(deadline - now, 1000)))
        }
    }

    /// Waits `milliseconds` for the device to finish someone else's transaction. The wait is a
    /// poll on this host's own socket (nothing is due on it, so anything that arrives is stale and
    /// dropped); the next wait is twice as long, up to a bound.
    private func pause(_ milliseconds: Int32) -> Int32 {
        let until = Self.now() + UInt64(milliseconds)
        while Self.now() < until {
            if socket.waitForDatagram(milliseconds: Int32(until - Self.now())) {
                while socket.receive() != nil {}
            }
        }
        return min(milliseconds * 2, Self.maximumBackoffMilliseconds)
    }

    /// Monotonic milliseconds.
    static func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds / 1_000_000
    }
}

/// Reads the header of a raw report without judging it.
enum ReportHeader {
    /// The channel id in the first four bytes, or nil for a datagram too short to have one.
    static func channel(of report: [UInt8]) -> CTAPHIDChannelID? {
        guard report.count >= CTAPHIDLimits.channelIDSize else { return nil }
        return CTAPHIDChannelID(rawValue: report.prefix(CTAPHIDLimits.channelIDSize).reduce(0) { $0 << 8 | UInt32($1) })
    }
}
