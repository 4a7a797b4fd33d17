import Testing
@testable import CofferHost

@Suite struct DeviceAddressTests {
    @Test("each kind of address parses", arguments: [
        ("embedded", DeviceAddress.embedded(stateDirectory: nil)),
        ("embedded:/var/lib/coffer", .embedded(stateDirectory: "/var/lib/coffer")),
        ("udp://127.0.0.1:8111", .udp(host: "127.0.0.1", port: 8111)),
        ("udp://localhost:1", .udp(host: "localhost", port: 1)),
        ("udp://[::1]:65535", .udp(host: "::1", port: 65535)),
        ("usb", .usb(USBDeviceFilter())),
        ("usb:1209:000c", .usb(USBDeviceFilter(vendorID: 0x1209, productID: 0x000C))),
        ("usb:1050:0407@12345", .usb(USBDeviceFilter(vendorID: 0x1050, productID: 0x0407, serial: "12345"))),
        ("usb@0fc3645138d75fa4", .usb(USBDeviceFilter(serial: "0fc3645138d75fa4"))),
    ])
    func parses(text: String, expected: DeviceAddress) throws {
        #expect(try DeviceAddress(parsing: text) == expected)
    }

    @Test("anything else is a usage error (exit 64)", arguments: [
        "", "emb", "embedded:", "udp://", "udp://host", "udp://:80", "udp://host:0", "udp://host:65536",
        "udp://[::1]80", "usb:", "usb:1209", "usb:1209:", "usb:12345:0001", "usb:xyz:0001", "usb@", "tcp://a:1",
    ])
    func refused(text: String) {
        let error = #expect(throws: DeviceError.self) { try DeviceAddress(parsing: text) }
        #expect(error?.exitStatus == .usage)
    }

    @Test("addresses print as they parse")
    func description() throws {
        for text in ["embedded", "embedded:/x", "udp://127.0.0.1:9", "udp://[::1]:9", "usb:1209:000c@abc"] {
            #expect(try DeviceAddress(parsing: text).description == text)
        }
        #expect(DeviceAddress.usb(USBDeviceFilter()).description == "usb:1209:000c")
    }
}
