/// Opens a device by address: the link its kind needs, and a CTAPHID channel on it.
public enum DeviceConnector {
    /// Connects to the device at `address` and opens a channel.
    public static func open(_ address: DeviceAddress, timing: TransportTiming = .standard)
        throws(DeviceError) -> CTAPHIDTransport
    {
        let link: any ReportLink
        switch address {
        case .embedded(nil): link = try EmbeddedChip.memory()
        case .embedded(let path?): link = try EmbeddedChip.stateDirectory(path)
        case .udp(let host, let port): link = try UDPLink(host: host, port: port)
        case .usb(let filter): link = try USBLink(filter: filter)
        case .frontend(let url):
            throw .invalidAddress(
                url, reason: "a realm's front-end carries vault commands only (register, recover, delete, info)")
        }
        return try CTAPHIDTransport(link: link, timing: timing)
    }
}
