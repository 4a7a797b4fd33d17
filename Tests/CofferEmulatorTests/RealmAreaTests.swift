import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// The emulator's flash holds the realm area after the store (docs/PROTOCOL.md §11.8): a new device's
/// flash.img has it, and a flash.img made before it existed (the store's size exactly) is grown by it,
/// erased, with the store's bytes where they were; any other size is still refused.
@Suite struct RealmAreaTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }
    var flashPath: String { stateDir + "/" + FlashImage.fileName }

    func made() throws -> (settings: EmulatorSettings, storeBytes: Int, chipBytes: Int) {
        let settings = EmulatorSettings(stateDirectory: StateDirectory(path: stateDir), seed: [0x12, 0x34], slotCount: 2)
        _ = try Emulator.initialise(settings)
        let counters = ChipLayout.counterCount(slots: 2)
        let store = try #require(ChipLayout.storeOnlyFlashGeometry(counters: counters)).byteCount
        let chip = try #require(ChipLayout.flashGeometry(counters: counters)).byteCount
        return (settings, store, chip)
    }

    @Test func newFlashHasTheRealmAreaAfterTheStore() throws {
        let (_, store, chip) = try made()
        #expect(chip - store == 3 * 1024)
        let flash = try workspace.bytes("state/" + FlashImage.fileName)
        #expect(flash.count == chip && flash[store...].allSatisfy { $0 == 0xFF })
    }

    @Test func flashWithoutTheRealmAreaIsGrownAndItsStoreKept() throws {
        let (settings, store, chip) = try made()
        let before = try workspace.bytes("state/" + FlashImage.fileName)
        try #require(truncate(flashPath, off_t(store)) == 0)
        let report = try Emulator.inspect(settings)
        #expect(report.lifecycle == "operational")
        let after = try workspace.bytes("state/" + FlashImage.fileName)
        #expect(after.count == chip && Array(after[..<store]) == Array(before[..<store]))
        #expect(after[store...].allSatisfy { $0 == 0xFF })
    }

    @Test func flashOfAnotherSizeIsStillRefused() throws {
        let (settings, store, _) = try made()
        try #require(truncate(flashPath, off_t(store - 1)) == 0)
        #expect {
            _ = try Emulator.inspect(settings)
        } throws: { error in
            guard case .state(let refusal) = error as? EmulatorError, case .wrongSize = refusal.problem else { return false }
            return refusal.path == flashPath
        }
    }
}
