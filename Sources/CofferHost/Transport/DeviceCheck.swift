import CTAPHID

/// What a PING round trip showed.
public struct PingResult: Sendable, Codable, Equatable {
    /// The device, as named in messages.
    public let device: String
    /// Payload bytes echoed.
    public let bytes: Int
    /// Round-trip time, whole milliseconds.
    public let milliseconds: Int
}

/// The CTAPHID-level checks any CTAPHID device answers: PING and WINK.
public enum DeviceCheck {
    /// Sends `payload` as a PING and checks the echo.
    public static func ping(_ device: some DeviceTransport, payload: [UInt8]) throws(DeviceError) -> PingResult {
        let stopwatch = Stopwatch()
        let echo = try device.request(.ping, payload: payload)
        guard echo == payload else { throw .echoMismatch(device: device.deviceName) }
        return PingResult(device: device.deviceName, bytes: payload.count, milliseconds: stopwatch.elapsedMilliseconds)
    }

    /// Asks the device to identify itself; refused up front if its INIT said it cannot wink.
    public static func wink(_ device: some DeviceTransport) throws(DeviceError) {
        guard device.channelInfo.capabilities.contains(.wink) else {
            throw .refused(device: device.deviceName, .invalidCommand)
        }
        _ = try device.request(.wink, payload: [])
    }
}
