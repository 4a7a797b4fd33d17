import CofferEmulator
import CofferFirmware
import CofferTestSupport
import Foundation
import Testing

/// What a thief of the state files finds, on the real files of the built emulator (docs/THREATS.md
/// §4): no id, key or password anywhere in `flash.img` or `counters`, and after a destruction at the
/// guess limit no copy of the record that held the key.
@Suite struct EmuFlashTheftTests {
    /// A record's owner: id, password and backup key, all known to the test.
    struct Owner {
        let id: [UInt8]
        let password: [UInt8]
        let key: [UInt8]

        init(_ index: Int) {
            id = Array("owner-\(index)@example.org".utf8)
            password = Array("password of owner \(index), not short".utf8)
            key = seededBytes(32, seed: 0xF1A5 + UInt64(index))
        }
    }

    /// Looks for any 8-byte piece (or the whole, if shorter) of a secret, raw and as lower- and
    /// upper-case hex, in a file's bytes. Eight bytes of an id, a password or a random key turn up by
    /// chance in a few hundred KiB with probability far below 2^-40.
    struct FileSearch {
        static let window = 8
        let haystack: [UInt8]

        func contains(_ secret: [UInt8]) -> Bool {
            let hex = secret.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            for form in [secret, Array(hex.utf8), Array(hex.uppercased().utf8)] {
                let width = min(Self.window, form.count)
                for start in 0...(form.count - width) where find(Array(form[start..<start + width])) { return true }
            }
            return false
        }

        private func find(_ needle: [UInt8]) -> Bool {
            guard haystack.count >= needle.count else { return false }
            var index = 0
            while index <= haystack.count - needle.count {
                if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) {
                    return true
                }
                index += 1
            }
            return false
        }
    }

    @Test func flashAndCountersOfADeviceHoldingKnownRecordsContainNoIdKeyOrPassword() throws {
        let owners = (0..<6).map(Owner.init)
        let device = try ServedDevice(seed: "7e1f7e1f", slots: 8)
        for owner in owners {
            let client = try VaultTestClient(host: CTAPHIDTestHost(port: device.port), password: owner.password)
            try client.register(owner.id, attemptLimit: 0)
            #expect(try client.deposit(owner.id, backupKey: owner.key) == .done)
            #expect(try client.recover(owner.id) == .recovered(owner.key))
        }
        let report = try device.stopAndInspect()
        #expect(report.records == owners.count)

        let flash = try device.workspace.bytes("state/" + FlashImage.fileName)
        let counters = try device.workspace.bytes("state/" + CounterFile.fileName)
        // The records are on flash: well over one sealed copy per record is not erased.
        #expect(flash.filter { $0 != 0xFF }.count > owners.count * 400)
        for (name, bytes) in [("flash.img", flash), ("counters", counters)] {
            let search = FileSearch(haystack: bytes)
            for owner in owners {
                #expect(!search.contains(owner.id), "\(name) holds an id")
                #expect(!search.contains(owner.key), "\(name) holds a backup key")
                #expect(!search.contains(owner.password), "\(name) holds a password")
            }
        }

        // Positive control: the same search finds each kind of needle planted in a copy of the image,
        // raw or as hex, whole or only 8 bytes of it.
        let owner = owners[3]
        let hexKey = Array(owner.key.map { String(format: "%02X", $0) }.joined().utf8)
        for (needle, secret) in [
            (owner.id, owner.id), (hexKey, owner.key), (Array(owner.password[5..<13]), owner.password),
        ] {
            var planted = flash
            let at = planted.count / 2
            planted.replaceSubrange(at..<at + needle.count, with: needle)
            #expect(FileSearch(haystack: planted).contains(secret), "the planted needle was not found")
        }
    }

    /// A record destroyed at its guess limit through the emulator: read straight after, while the
    /// emulator still runs (a later boot's scan would erase a stale copy on its own), one half of the slot holds the
    /// tombstone and the other half, where the copy with the key was, is erased to 0xFF. A live
    /// record's slot beside it keeps both halves written, so the check is not vacuous.
    @Test func recordDestroyedAtTheGuessLimitLeavesOnlyItsTombstoneOnFlash() throws {
        let victim = Owner(1), neighbour = Owner(2)
        let device = try ServedDevice(seed: "de57de57", slots: 2)
        let host = try CTAPHIDTestHost(port: device.port)
        let victimClient = try VaultTestClient(host: host, password: victim.password)
        try victimClient.register(victim.id, attemptLimit: 2)
        #expect(try victimClient.deposit(victim.id, backupKey: victim.key) == .done)
        let neighbourClient = try VaultTestClient(host: host, password: neighbour.password)
        try neighbourClient.register(neighbour.id, attemptLimit: 0)
        #expect(try neighbourClient.deposit(neighbour.id, backupKey: neighbour.key) == .done)
        let wrong = Array("a wrong guess".utf8)
        #expect(try victimClient.recover(victim.id, password: wrong) == .wrongPassword(attemptsRemaining: 1))
        #expect(try victimClient.recover(victim.id, password: wrong) == .wrongPassword(attemptsRemaining: 0))
        #expect(try victimClient.recover(victim.id) == .refused(.recordDestroyed))
        // Every flash write is durable before the device answers; the emulator still runs, so no
        // later boot has touched the image.
        let flash = try device.workspace.bytes("state/" + FlashImage.fileName)

        let report = try device.stopAndInspect()
        #expect(report.records == 1 && report.tombstones == 1 && report.damaged == 0)
        // The victim registered first: its logins are 1 deposit + 2 guesses + 1 refused.
        let slots = report.usedSlots.sorted { $0.attempts > $1.attempts }.map(\.slot)
        try #require(slots.count == 2)
        let layout = FlashLayout(pageSize: ChipLayout.flashPageSize, geometry: StoreGeometry(slotCount: 2))
        func half(_ slot: Int, _ half: Int) -> ArraySlice<UInt8> {
            let start = layout.offset(slot: slot, half: half)
            return flash[start..<start + layout.pagesPerCopy * layout.pageSize]
        }
        let erased = { (copy: ArraySlice<UInt8>) in copy.allSatisfy { $0 == 0xFF } }
        let destroyed = [half(slots[0], 0), half(slots[0], 1)]
        #expect(destroyed.filter(erased).count == 1, "the destroyed slot must keep its tombstone and nothing else")
        let live = [half(slots[1], 0), half(slots[1], 1)]
        #expect(live.filter(erased).isEmpty, "the live slot's two copies should both be written")
    }
}
