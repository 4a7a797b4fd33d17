/// Where a device gets candidates for new channel identifiers.
///
/// The device asks once per CTAPHID_INIT on the broadcast channel. Any value is acceptable: if the
/// candidate is 0, broadcast or already allocated, the device steps up from it to the next free
/// identifier, so a weak source costs unpredictability, never uniqueness. A firmware backs this with
/// its entropy source (four random bytes, big-endian); tests use a counter.
public protocol CTAPHIDChannelIDSource {
    /// A candidate identifier for the next channel.
    mutating func nextChannelID() -> UInt32
}

/// Candidates 1, 2, 3, ...: predictable, for tests and for devices with no entropy to spare.
public struct CTAPHIDSequentialChannelIDs: CTAPHIDChannelIDSource, Sendable {
    private var next: UInt32

    /// Counts up from `first`.
    public init(first: UInt32 = 1) {
        next = first
    }

    /// The next number in the sequence (wrapping past 0xFFFFFFFF).
    public mutating func nextChannelID() -> UInt32 {
        defer { next &+= 1 }
        return next
    }
}
