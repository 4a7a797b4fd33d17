/// Opening (or resynchronising) a channel with CTAPHID_INIT, host side (§11.2.9.1.3).
///
/// ```swift
/// var opening = CTAPHIDChannelOpening(nonce: eightRandomBytes)
/// try hid.write(opening.requestReport)
/// var info: CTAPHIDInitResponse? = nil
/// while info == nil { info = try opening.receive(report: try hid.read()) }
/// let cid = info!.channel
/// ```
public struct CTAPHIDChannelOpening: Sendable {
    /// The nonce the response must echo.
    public let nonce: [UInt8]
    private var exchange: CTAPHIDHostTransaction

    /// An INIT with `nonce` (8 bytes, fresh and random for each opening) on `channel`: broadcast to
    /// ask for a new channel, or an allocated channel to resynchronise it.
    public init(nonce: [UInt8], channel: CTAPHIDChannelID = .broadcast) {
        precondition(nonce.count == CTAPHIDLimits.initNonceSize, "an INIT nonce is 8 bytes")
        self.nonce = nonce
        // Eight bytes always fit one report, so framing cannot fail.
        exchange = CTAPHIDHostTransaction(framing: channel, nonce: nonce)
    }

    /// The single report to send.
    public var requestReport: [UInt8] {
        exchange.requestReports[0]
    }

    /// Takes one IN report: nil while the device is still working, the parsed response once it
    /// arrives. Refuses a response for another nonce, and one that names channel 0 or broadcast, or
    /// (on a resync) a channel other than the one resynchronised.
    public mutating func receive(report: [UInt8]) throws(CTAPHIDHostError) -> CTAPHIDInitResponse? {
        guard case .response(let payload) = try exchange.receive(report: report) else { return nil }
        guard let response = CTAPHIDInitResponse(payload: payload) else {
            throw .malformedInitResponse
        }
        guard response.nonce == nonce else {
            throw .nonceMismatch
        }
        let requested = exchange.channel
        guard response.channel.isAllocatable, requested == .broadcast || response.channel == requested else {
            throw .malformedInitResponse
        }
        return response
    }
}

extension CTAPHIDHostTransaction {
    fileprivate init(framing channel: CTAPHIDChannelID, nonce: [UInt8]) {
        do {
            try self.init(channel: channel, command: .initialize, payload: nonce)
        } catch {
            preconditionFailure("an 8-byte nonce always fits one report")
        }
    }
}
