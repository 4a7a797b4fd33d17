import CofferEmulator
import CofferTestSupport
import Testing

/// `serve --bind` on anything but loopback is warned about: zeroize needs only the serial, so anyone
/// who can reach the port can destroy the device (issue 10).
@Suite struct BindWarningTests {
    let workspace = TemporaryDirectory()

    @Test(arguments: ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
    func loopbackAddresses(host: String) {
        #expect(BindAddress.isLoopback(host))
    }

    @Test(arguments: ["0.0.0.0", "::", "10.1.2.3", "128.0.0.1", "::2", "::ffff:10.0.0.1", "localhost"])
    func otherAddresses(host: String) {
        #expect(!BindAddress.isLoopback(host))
    }

    /// Binding the wildcard is only watched for its warning: no traffic leaves loopback.
    @Test(arguments: [("0.0.0.0", true), ("127.0.0.1", false)])
    func serveWarnsOnNonLoopbackBind(host: String, warns: Bool) throws {
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", workspace.file("state"), "--seed", "01", "--slots", "2", "--bind", host,
             "--port", "0", "--ready-file", workspace.file("ready.json")],
            stderrPath: workspace.file("serve.log"))
        _ = try emulator.waitUntilReady()
        #expect(emulator.stderr.contains("not a loopback address") == warns, "\(emulator.stderr)")
        #expect(emulator.stderr.contains("zeroize needs only its serial") == warns)
        #expect(emulator.stop() == 0)
    }
}
