/// The device's version as it reports it in a CTAPHID_INIT response (§11.2.9.1.3).
public struct CTAPHIDDeviceVersion: Hashable, Sendable {
    /// Major device version number.
    public var major: UInt8
    /// Minor device version number.
    public var minor: UInt8
    /// Build device version number.
    public var build: UInt8

    /// A version triple.
    public init(major: UInt8, minor: UInt8, build: UInt8) {
        self.major = major
        self.minor = minor
        self.build = build
    }
}

/// The payload of a CTAPHID_INIT response: nonce, CID, protocol version, device version,
/// capabilities — 17 bytes (§11.2.9.1.3).
public struct CTAPHIDInitResponse: Hashable, Sendable {
    /// Bytes in the response payload.
    public static let size = CTAPHIDLimits.initNonceSize + CTAPHIDLimits.channelIDSize + 5
    /// The CTAPHID protocol version this implementation speaks (§11.2.9.1.3: 2).
    public static let currentProtocolVersion: UInt8 = 2

    /// The request's nonce, echoed so the host can match the response.
    public var nonce: [UInt8]
    /// The channel the host is to use from now on.
    public var channel: CTAPHIDChannelID
    /// The CTAPHID protocol version.
    public var protocolVersion: UInt8
    /// The device's own version.
    public var deviceVersion: CTAPHIDDeviceVersion
    /// The capability flags.
    public var capabilities: CTAPHIDCapabilities

    /// A response with every field given.
    public init(
        nonce: [UInt8],
        channel: CTAPHIDChannelID,
        protocolVersion: UInt8 = CTAPHIDInitResponse.currentProtocolVersion,
        deviceVersion: CTAPHIDDeviceVersion,
        capabilities: CTAPHIDCapabilities
    ) {
        precondition(nonce.count == CTAPHIDLimits.initNonceSize, "an INIT nonce is 8 bytes")
        self.nonce = nonce
        self.channel = channel
        self.protocolVersion = protocolVersion
        self.deviceVersion = deviceVersion
        self.capabilities = capabilities
    }

    /// Decodes a response payload; nil if shorter than `size`. Bytes past `size` are ignored, as a
    /// later protocol revision may append fields.
    public init?(payload: [UInt8]) {
        guard payload.count >= CTAPHIDInitResponse.size else { return nil }
        let n = CTAPHIDLimits.initNonceSize
        let v = n + CTAPHIDLimits.channelIDSize
        self.init(
            nonce: Array(payload[0..<n]),
            channel: CTAPHIDChannelID(bytes: payload, at: n),
            protocolVersion: payload[v],
            deviceVersion: CTAPHIDDeviceVersion(major: payload[v + 1], minor: payload[v + 2], build: payload[v + 3]),
            capabilities: CTAPHIDCapabilities(rawValue: payload[v + 4])
        )
    }

    /// The 17-byte payload.
    public var payload: [UInt8] {
        nonce + channel.bytes + [
            protocolVersion, deviceVersion.major, deviceVersion.minor, deviceVersion.build, capabilities.rawValue,
        ]
    }
}
