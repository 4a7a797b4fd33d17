import Foundation
import Testing

/// cofferctl's libusb path without a USB bus: umockdev describes Coffer's device to libusb and a
/// Python handler (USB/coffer_usb_umockdev.py) answers its usbdevfs ioctls, forwarding the
/// interrupt endpoints' 64-byte reports to a built coffer-emulator over UDP.
@Suite(.serialized) struct USBTests {
    let scratch = Scratch()

    static var script: String {
        Binaries.repositoryRoot.appendingPathComponent("Tests/EndToEndTests/USB/coffer_usb_umockdev.py").path
    }

    @Test("devices, ping, info, register/recover, wrong password, other serials, busy, permission denied over libusb")
    func libusbUnderUmockdev() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-wrapper"),
                     "umockdev is missing: scripts/bootstrap.sh test installs it")
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let result = try run("/usr/bin/umockdev-wrapper", [
            "/usr/bin/python3", Self.script, "--cofferctl", Binaries.cofferctl, "--port", String(emulator.port),
            "--serial", emulator.serial,
        ])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        // 10 checks as root; 9 otherwise (the permission check needs root to run as another user).
        let summary = String(result.stdout.split(separator: "\n").last ?? "")
        let expected = geteuid() == 0 ? "10 passed, 0 failed" : "9 passed, 0 failed"
        #expect(summary == expected, "\(result.stdout)")
    }
}
