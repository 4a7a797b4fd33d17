import ArgumentParser
import CofferHost

/// `cofferctl devices`: what can be named with --device.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the devices this host can reach (in-process, emulators running here, USB).",
        discussion: "Emulators are found through the notes each running coffer-emulator keeps in $COFFER_RUNTIME_DIR, "
            + "else $XDG_RUNTIME_DIR/coffer/emulators, else /tmp/coffer-UID/emulators; notes of emulators that are "
            + "gone are ignored and removed. Pass the udp:// address shown as --device.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let devices = DeviceDirectory.list()
            if global.json {
                try Output.json(devices)
                return
            }
            for device in devices {
                var line = device.address.padding(toLength: 28, withPad: " ", startingAt: 0) + (device.product ?? "")
                if let serial = device.serial, device.kind == "emulator" { line += " serial \(serial)" }
                if let node = device.node { line += device.kind == "emulator" ? " on \(node)" : " at \(node)" }
                if !device.accessible { line += " (no permission: install HostTools/udev/70-coffer.rules)" }
                try Output.line(line)
            }
        }
    }
}
