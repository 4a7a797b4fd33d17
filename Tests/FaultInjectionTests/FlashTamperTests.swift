import CofferEmulator
import CofferProtocol
import CofferTestSupport
import Testing

/// Bits flipped across the store header and a slot copy, and an image cut short or grown: the header
/// makes the whole store unavailable (never reformatted), a slot copy makes that slot damaged (the
/// others serve), a wrong size stops the emulator before it serves; the bytes stay as they were.
@Suite struct FlashTamperTests {
    typealias Device = EnrolledDevice

    /// Offsets inside the 40-byte store header (PROTOCOL.md §10).
    enum HeaderField: Int, CaseIterable, Sendable {
        case magic = 0, format = 4, slotCount = 7, slotSize = 9, defaultLimit = 10, nonce = 12, tag = 39
    }

    /// Offsets inside a slot copy (PROTOCOL.md §10).
    enum SlotField: Int, CaseIterable, Sendable {
        case magic = 0, format = 2, reserved = 3, version = 7, lookupTag = 8, lookupTagEnd = 23, nonce = 24
        case sealedLength = 37, sealed = 38, sealedMiddle = 250, tag = 511

        /// What the owner sees: `slotDamaged` while a copy of the slot still claims to be theirs in the
        /// clear (the edited one, or the older copy in the other half when the edit broke the claim),
        /// else what an unknown id sees.
        var ownerSees: LoginOutcome {
            switch self {
            case .lookupTag, .lookupTagEnd: Device.unreadable
            case .magic, .format, .reserved, .version, .nonce, .sealedLength, .sealed, .sealedMiddle, .tag:
                Device.damaged
            }
        }
    }

    @Test(arguments: HeaderField.allCases)
    func bitFlippedInTheHeaderMakesTheStoreUnavailableAndIsNotReformatted(field: HeaderField) throws {
        let device = try EnrolledDevice()
        var image = try device.state("flash.img")
        image[field.rawValue] ^= 0x08
        try device.setState("flash.img", image)

        let (info, outcomes) = try device.session { client in (try client.info(), try device.recoverAll(client)) }
        #expect(info.lifecycle == .operational)
        #expect(info.defaultAttemptLimit == 0)
        #expect(outcomes == Array(repeating: .refused(.storeUnavailable), count: 3))
        #expect(try device.state("flash.img") == image)
    }

    @Test(arguments: SlotField.allCases)
    func bitFlippedInATrustedSlotCopyIsReportedDamagedAndTheOthersServe(field: SlotField) throws {
        let device = try EnrolledDevice()
        let copy = try device.trustedCopyRange(1)
        var image = try device.state("flash.img")
        image[copy.lowerBound + field.rawValue] ^= 0x40
        try device.setState("flash.img", image)

        let (info, outcomes) = try device.session { client in (try client.info(), try device.recoverAll(client)) }
        #expect(info.damagedCount == 1)
        #expect(outcomes == [.recovered(Device.keys[0]), field.ownerSees, .recovered(Device.keys[2])])
        let after = try device.state("flash.img")
        #expect(after[device.slotRange(1)] == image[device.slotRange(1)])
        #expect(after[0..<device.layout.pageSize] == image[0..<device.layout.pageSize])
    }

    /// An edit while the emulator runs: the record it knew by id no longer opens, so its owner is
    /// told `slotDamaged`, and keeps being told so after a restart (the copy's lookup tag still
    /// names the id). The other records serve and the edited bytes stay.
    @Test func slotEditedUnderARunningEmulatorIsRefusedAsDamaged() throws {
        let device = try EnrolledDevice()
        let copy = try device.trustedCopyRange(1)
        var image = try device.state("flash.img")
        image[copy.lowerBound + SlotField.sealed.rawValue] ^= 0x40

        let (alice, info, outcomes) = try device.session { client in
            try device.setState("flash.img", image)
            return (try client.recover(Device.ids[1]), try client.info(), try device.recoverAll(client))
        }
        #expect(alice == .refused(.slotDamaged))
        #expect(info.damagedCount == 1)
        #expect(outcomes == [.recovered(Device.keys[0]), Device.damaged, .recovered(Device.keys[2])])
        #expect(try device.state("flash.img")[device.slotRange(1)] == image[device.slotRange(1)])
        let afterRestart = try device.session { try $0.recover(Device.ids[1]) }
        #expect(afterRestart == Device.damaged)
    }

    /// What lands in the stale half: an edit, or a program cut off part way (a torn write).
    enum StaleCopyDamage: String, CaseIterable, Sendable {
        case bitFlip, zeroed, tornPrefixOfTheTrustedCopy, seededNoise

        func apply(stale: [UInt8], trusted: [UInt8]) -> [UInt8] {
            switch self {
            case .bitFlip:
                var copy = stale
                copy[SlotField.sealed.rawValue] ^= 0x40
                return copy
            case .zeroed: return [UInt8](repeating: 0, count: stale.count)
            case .tornPrefixOfTheTrustedCopy:
                return Array(trusted.prefix(trusted.count / 2)) + [UInt8](repeating: 0xFF, count: stale.count / 2)
            case .seededNoise:
                var state: UInt32 = 0x9E37_79B9
                return stale.map { _ in
                    state = state &* 1_664_525 &+ 1_013_904_223
                    return UInt8(truncatingIfNeeded: state >> 24)
                }
            }
        }
    }

    /// The stale copy (the half that does not match the on-chip version) is never read as the truth,
    /// so whatever it holds changes nothing, and the next write to the slot replaces it.
    @Test(arguments: StaleCopyDamage.allCases)
    func staleCopyEditedOrTornChangesNothing(damage: StaleCopyDamage) throws {
        let device = try EnrolledDevice()
        let trusted = try device.trustedCopyRange(1)
        let stale = device.copyRange(slot: 1, half: trusted == device.copyRange(slot: 1, half: 0) ? 1 : 0)
        var image = try device.state("flash.img")
        #expect(image[stale].contains { $0 != 0xFF }, "the stale half should still hold the older copy")
        image.replaceSubrange(stale, with: damage.apply(stale: Array(image[stale]), trusted: Array(image[trusted])))
        try device.setState("flash.img", image)

        let (info, outcomes, again) = try device.session { client in
            (try client.info(), try device.recoverAll(client), try client.recover(Device.ids[1]))
        }
        #expect(info.damagedCount == 0)
        #expect(outcomes == Device.keys.map { .recovered($0) })
        #expect(again == .recovered(Device.keys[1]))
    }

    enum SizeChange: String, CaseIterable, Sendable {
        case truncatedByOneByte, truncatedByAPage, extendedByOneByte, extendedByAPage, emptied

        func apply(_ image: [UInt8]) -> [UInt8] {
            switch self {
            case .truncatedByOneByte: Array(image.dropLast())
            case .truncatedByAPage: Array(image.dropLast(ChipLayout.flashPageSize))
            case .extendedByOneByte: image + [0xFF]
            case .extendedByAPage: image + [UInt8](repeating: 0xFF, count: ChipLayout.flashPageSize)
            case .emptied: []
            }
        }
    }

    @Test(arguments: SizeChange.allCases)
    func flashImageOfTheWrongSizeIsRefusedAtStartNamingItAndLeftAlone(change: SizeChange) throws {
        let device = try EnrolledDevice()
        let image = change.apply(try device.state("flash.img"))
        try device.setState("flash.img", image)

        let run = try EmulatorProcess.run(["serve", "--state-dir", device.stateDir, "--port", "0"])
        #expect(run.status == EmulatorExitStatus.stateRefused)
        #expect(run.stderr.contains("\(device.stateDir)/flash.img: "))
        #expect(run.stderr.contains("wrong size"))
        #expect(try device.state("flash.img") == image)
    }
}
