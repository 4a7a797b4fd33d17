import CofferFirmware
import CofferProtocol
import CTAPHID

/// Seed inputs for `firmware-reports`: whole vault conversations over CTAPHID, made by running the
/// real client against the very chip the harness builds, so that each replays exactly (the chip's
/// randomness is seeded): enrolment, recovery, wrong passwords up to destruction, deletion, unknown
/// ids, operator steps, power cuts and restarts in the middle, malformed requests.
enum FirmwareSeeds {
    static var all: [FuzzSeed] {
        let bob = Array("bob".utf8)
        let alice = FirmwareStart.enrolledID
        let password = FirmwareStart.password
        return [
            seed("blank-info", .blank) { script, _ in
                script.request(.getInfo)
                script.message(.ping, CTAPHIDSeeds.bytes(100))
                script.message(.wink, [])
            },
            seed("manufacture-provision", .blank) { script, _ in
                script.request(.manufacture(ManufactureRequest(serial: 77)))
                script.request(.provision(ProvisionRequest(defaultAttemptLimit: 5, maxAttemptLimit: 10)))
                script.request(.getInfo)
                script.request(.counters(CountersRequest(firstSlot: 0, count: 4)))
            },
            seed("register-deposit", .operational) { _, client in
                client.register(id: bob, password: password, limit: 2)
                client.login(id: bob, password: password, intent: .deposit, backupKey: FirmwareStart.backupKey)
            },
            seed("recover", .enrolled) { _, client in
                client.login(id: alice, password: password, intent: .recover)
            },
            seed("wrong-passwords", .enrolled) { script, client in
                for _ in 0..<Int(FirmwareStart.attemptLimit) {
                    client.login(id: alice, password: Array("wrong".utf8), intent: .recover, finishAnyway: true)
                }
                script.request(.getInfo)
            },
            seed("delete", .enrolled) { _, client in
                client.login(id: alice, password: password, intent: .delete)
            },
            seed("unknown-id", .enrolled) { _, client in
                client.login(id: Array("carol".utf8), password: password, intent: .recover, finishAnyway: true)
            },
            seed("zeroize", .enrolled) { script, _ in
                script.request(.zeroize(ZeroizeRequest(serial: FirmwareStart.serial)))
                script.request(.getInfo)
            },
            seed("store-full", .enrolled) { _, client in
                for index in 0..<FirmwareBench.geometry.slotCount {
                    client.register(id: Array("id\(index)".utf8), password: password, limit: 0)
                }
            },
            seed("power-cut-register", .operational) { script, client in
                script.schedulePower(3, atMessage: 2)
                client.register(id: bob, password: password, limit: 2)
                script.request(.getInfo)
                client.register(id: bob, password: password, limit: 2)
            },
            seed("power-cut-login", .enrolled) { script, client in
                script.schedulePower(2, atMessage: 1)
                client.login(id: alice, password: password, intent: .recover)
                script.schedulePower(3, atMessage: 2)
                client.login(id: alice, password: password, intent: .recover)
                client.login(id: alice, password: password, intent: .recover)
            },
            seed("power-cut-zeroize", .enrolled) { script, _ in
                script.schedulePower(3, atMessage: 1)
                script.request(.zeroize(ZeroizeRequest(serial: FirmwareStart.serial)))
                script.request(.getInfo)
            },
            seed("malformed", .operational) { script, _ in
                script.message(CTAPHIDCommand(rawValue: 0x46), [1])
                script.message(CTAPHIDCommand(rawValue: 0x40), [9])
                script.message(CTAPHIDCommand(rawValue: 0x44), [1, 0])
                script.request(.counters(CountersRequest(firstSlot: 100, count: 1)))
                script.request(.loginFinish(LoginFinishRequest(ke3: [1], intent: .delete, binding: CTAPHIDSeeds.bytes(32))))
            },
        ]
    }

    private static func seed(_ name: String, _ start: FirmwareStart,
                             _ converse: (FirmwareScript, VaultClient) -> Void) -> FuzzSeed {
        let script = FirmwareScript(start: start)
        converse(script, script.client(seed: 5))
        return FuzzSeed(name: name, bytes: script.bytes)
    }
}

/// A `firmware-reports` input under construction: each report is recorded and handed to a live bench
/// at once, so the conversation can read the chip's answers (its channel, its KE2) as it goes.
final class FirmwareScript {
    let bench: FirmwareBench
    private(set) var bytes: [UInt8]
    private var channel = CTAPHIDChannelID.broadcast
    /// A power event (`FirmwareBench.step`'s control bits 4-7) due on the last report of a coming message.
    private var scheduledPower: (event: UInt8, messagesBefore: Int)?

    init(start: FirmwareStart) {
        bench = FirmwareBench(image: start.image)
        bytes = [start.rawValue]
        open()
    }

    /// Makes the `index`-th message from now (1 for the next) carry power event `event`.
    func schedulePower(_ event: UInt8, atMessage index: Int) {
        scheduledPower = (event, index - 1)
    }

    /// A client whose requests travel through this script.
    func client(seed: UInt64) -> VaultClient {
        VaultClient(seed: seed) { [unowned self] request in
            let payload = message(CTAPHIDCommand(rawValue: request.operation.rawValue), request.encodedPayload())
            return payload.flatMap { try? VaultReply(decoding: $0) } ?? VaultReply(status: .internalError)
        }
    }

    /// Sends a vault request; its reply, or nil if none came.
    @discardableResult
    func request(_ request: VaultRequest) -> VaultReply? {
        let payload = message(CTAPHIDCommand(rawValue: request.operation.rawValue), request.encodedPayload())
        return payload.flatMap { try? VaultReply(decoding: $0) }
    }

    /// Sends a message on the script's channel; the response payload, or nil if none came. After a
    /// power event the chip has forgotten its channels, so a new one is opened.
    @discardableResult
    func message(_ command: CTAPHIDCommand, _ payload: [UInt8]) -> [UInt8]? {
        var exchange = must { () throws(CTAPHIDHostError) in
            try CTAPHIDHostTransaction(channel: channel, command: command, payload: payload)
        }
        var power: UInt8 = 0
        if let scheduled = scheduledPower {
            power = scheduled.messagesBefore == 0 ? scheduled.event : 0
            scheduledPower = scheduled.messagesBefore == 0 ? nil : (scheduled.event, scheduled.messagesBefore - 1)
        }
        var replies: [[UInt8]] = []
        for (index, report) in exchange.requestReports.enumerated() {
            let control = index == exchange.requestReports.count - 1 ? power << 4 : 0
            replies += send(report, control: control)
        }
        if power != 0 {
            open()
        }
        for report in replies {
            if case .response(let response)? = try? exchange.receive(report: report) {
                return response
            }
        }
        return nil
    }

    private func send(_ report: [UInt8], control: UInt8) -> [[UInt8]] {
        bytes += [control] + report
        return bench.step(control: control, report: report)
    }

    private func open() {
        let nonce: [UInt8] = [0x0C, 0x0F, 0x0F, 0x0E, 0x00, 0x00, 0x00, UInt8(truncatingIfNeeded: bytes.count)]
        var opening = CTAPHIDChannelOpening(nonce: nonce)
        for report in send(opening.requestReport, control: 0) {
            if let response = try? opening.receive(report: report) {
                channel = response.channel
            }
        }
    }
}
