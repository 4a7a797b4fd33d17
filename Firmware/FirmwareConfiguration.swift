// The build-time choices of a firmware image: store geometry, login table size, version.

import CofferProtocol

/// Parameters fixed when the firmware is built (or when the emulator starts a device).
public struct FirmwareConfiguration: Equatable, Sendable {
    /// This firmware's version, reported in GetInfo.
    public static let firmwareVersion = FirmwareVersion(major: 0, minor: 1, patch: 0)
    /// Default number of logins that may await their KE3 at once, across channels.
    public static let defaultPendingLoginCapacity = 8
    /// Default number of registrations that may await their RegisterFinish at once, across channels.
    public static let defaultPendingRegistrationCapacity = 8

    /// The secure store's shape.
    public var geometry: StoreGeometry
    /// Logins awaiting LoginFinish; the oldest is evicted when a new one needs room (its attempt
    /// stays counted).
    public var pendingLoginCapacity: Int
    /// Registrations awaiting RegisterFinish; the oldest is evicted when a new one needs room.
    public var pendingRegistrationCapacity: Int
    /// Whether Counters shows per-slot counters. They tell which record a login hit, so only the
    /// device's operator may see them: an emulator or in-process device whose owner asks for them.
    /// A device that does not show them answers `operatorOnly`.
    public var showsSlotCounters: Bool
    /// What GetInfo says (signed) this device is: a chip unless the body running the firmware is an
    /// emulator, which says so, and whether it was made from a known seed.
    public var deviceKind: DeviceKind

    public init(
        geometry: StoreGeometry = StoreGeometry(),
        pendingLoginCapacity: Int = FirmwareConfiguration.defaultPendingLoginCapacity,
        pendingRegistrationCapacity: Int = FirmwareConfiguration.defaultPendingRegistrationCapacity,
        showsSlotCounters: Bool = false, deviceKind: DeviceKind = .hardware
    ) {
        self.deviceKind = deviceKind
        precondition(pendingLoginCapacity >= 1, "at least one login must be able to wait for its KE3")
        precondition(pendingRegistrationCapacity >= 1, "at least one registration must be able to wait")
        self.geometry = geometry
        self.pendingLoginCapacity = pendingLoginCapacity
        self.pendingRegistrationCapacity = pendingRegistrationCapacity
        self.showsSlotCounters = showsSlotCounters
    }
}
