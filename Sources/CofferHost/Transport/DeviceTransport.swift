import CTAPHID

/// Carries vault messages (a vendor command and its payload) to whatever answers them, a device or a
/// realm's front-end, and brings back the answer: all a `VaultClient` needs.
public protocol VaultTransport: AnyObject {
    /// How the device (or realm) is named in messages.
    var deviceName: String { get }
    /// Sends `payload` as `command` and returns the response payload.
    func request(_ command: CTAPHIDCommand, payload: [UInt8]) throws(DeviceError) -> [UInt8]
}

/// A device that takes a CTAPHID request and gives back its response, over an open channel.
public protocol DeviceTransport: VaultTransport {
    /// What the device said when the channel opened (channel id, versions, capabilities).
    var channelInfo: CTAPHIDInitResponse { get }
}

/// How long a transport waits, and how often it tries again when another host holds the device.
public struct TransportTiming: Sendable {
    /// Longest silence, in milliseconds, before a response (or its next packet, or a keep-alive).
    public var responseMilliseconds: Int
    /// How many times a request answered ERR_CHANNEL_BUSY is sent again before giving up.
    public var busyRetries: Int
    /// The first wait after ERR_CHANNEL_BUSY, in milliseconds; each later wait doubles, up to
    /// `busyBackoffLimitMilliseconds`.
    public var busyBackoffMilliseconds: Int
    /// The longest single wait between busy retries.
    public var busyBackoffLimitMilliseconds: Int

    /// The timing for a device over a socket or a bus.
    public static let standard = TransportTiming(
        responseMilliseconds: 5000, busyRetries: 12, busyBackoffMilliseconds: 10, busyBackoffLimitMilliseconds: 400)

    /// Every figure given.
    public init(responseMilliseconds: Int, busyRetries: Int, busyBackoffMilliseconds: Int,
                busyBackoffLimitMilliseconds: Int) {
        self.responseMilliseconds = responseMilliseconds
        self.busyRetries = busyRetries
        self.busyBackoffMilliseconds = busyBackoffMilliseconds
        self.busyBackoffLimitMilliseconds = busyBackoffLimitMilliseconds
    }

    /// The wait before retry number `retry` (0 for the first).
    func backoff(beforeRetry retry: Int) -> Int {
        min(busyBackoffLimitMilliseconds, busyBackoffMilliseconds << min(retry, 16))
    }
}
