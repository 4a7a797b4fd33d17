// The device's one-way steps: manufacture (burn the UDS), provision (fix the default attempt limit
// and format the store), zeroize (destroy everything). Each moves the on-chip lifecycle counter, so
// no rollback of the untrusted flash can undo it.

import CofferProtocol

extension Vault {
    /// Blank → manufactured: a fresh UDS from the entropy source is burned with the given serial.
    func manufacture(_ order: ManufactureRequest) throws(FirmwareError) -> [UInt8] {
        // A firmware whose suite has no identifier could never boot on the fuses it burned.
        guard VaultSuite.known.contains(servedSuite) else { throw .refused(.internalError) }
        let fuses = FuseContents(
            uds: board.entropy.randomBytes(FuseContents.udsLength), serial: order.serial, suite: servedSuite)
        try hal(try board.fuses.burn(fuses))
        let counter = try hal(try board.counters.read(CounterLayout.lifecycle))
        let identity = try ChipIdentity(fuses: fuses, board: board, geometry: configuration.geometry)
        // A lifecycle counter already past 0 (provisioning begun before the fuses were burned) can
        // only resume provisioning.
        state = counter == 0 ? .manufactured(identity) : .provisioned(identity)
        bootRealm()
        return []
    }

    /// Manufactured or provisioned → operational. The lifecycle counter moves to "provisioning"
    /// first, then the store is formatted with the default attempt limit, then the counter moves to
    /// "operational". Cut off in between, the device boots provisioned and Provision runs again.
    func provision(_ order: ProvisionRequest) throws(FirmwareError) -> [UInt8] {
        guard VaultLimits.attemptLimitRange.contains(order.defaultAttemptLimit),
            VaultLimits.attemptLimitRange.contains(order.maxAttemptLimit),
            order.defaultAttemptLimit <= order.maxAttemptLimit
        else { throw .refused(.invalidAttemptLimit) }
        guard let identity = state.identity else { throw .refused(.notAllowedInState) }
        // A ceremony begun here ends: a standalone vault takes no realm role.
        realm = nil
        try raiseLifecycleCounter(to: Lifecycle.counterValue(of: .provisioned))
        state = .provisioned(identity)
        try identity.store.format(
            defaultAttemptLimit: order.defaultAttemptLimit, maxAttemptLimit: order.maxAttemptLimit)
        try raiseLifecycleCounter(to: Lifecycle.counterValue(of: .operational))
        state = .operational(identity, header: nil)
        openStore(identity)
        return []
    }

    /// Any keyed state → zeroized, for good: the lifecycle counter moves first (so the device never
    /// serves again, even if what follows is cut off), then every flash page is erased and the keys
    /// are dropped from RAM (a realm member's too: membership, tail and realm secrets). The UDS stays
    /// in its fuses but is never read again.
    func zeroize(_ order: ZeroizeRequest) throws(FirmwareError) -> [UInt8] {
        guard let identity = state.identity else { throw .refused(.notAllowedInState) }
        guard order.serial == identity.serial else { throw .refused(.confirmationMismatch) }
        pending.removeAll()
        registrations.removeAll()
        try raiseLifecycleCounter(to: Lifecycle.counterValue(of: .zeroized))
        state = .zeroized
        // The realm member's RAM goes with the keys; its pages (the realm area) with the rest of the flash.
        realm = nil
        eraseFlash()
        return []
    }

    // MARK: Helpers

    /// Reads the store header and indexes the slots; records whose attempts ran out before a power
    /// cut let them be destroyed are destroyed now.
    func openStore(_ identity: ChipIdentity<B>) {
        guard let header = try? identity.store.readHeader() else {
            state = .operational(identity, header: nil)
            return
        }
        state = .operational(identity, header: header)
        guard let contents = try? identity.store.scan() else { return }
        for (slot, content) in contents.enumerated() {
            guard case .record(let record)? = content,
                let counter = try? board.counters.read(identity.store.counterLayout.attempts(slot)),
                record.attemptsUsed(counter: counter) >= UInt32(record.attemptLimit)
            else { continue }
            // Best effort: if this is cut off too, the next boot or login finishes it.
            try? destroy(slot: slot, credentialID: record.credentialID, store: identity.store)
        }
    }

    /// Replaces a record by its tombstone and erases the copy that held its key material. The
    /// slot's counters keep their final values.
    func destroy(slot: Int, credentialID: [UInt8], store: ChipIdentity<B>.Store) throws(FirmwareError) {
        try store.write(slot, .tombstone(credentialID: credentialID), scrub: true)
    }

    private func raiseLifecycleCounter(to value: UInt32) throws(FirmwareError) {
        while try hal(try board.counters.read(CounterLayout.lifecycle)) < value {
            _ = try hal(try board.counters.increment(CounterLayout.lifecycle))
        }
    }

    /// Erases every flash page that is not blank. Errors stop it; the next boot resumes.
    func eraseFlash() {
        let flash = board.flash
        for page in 0..<flash.pageCount {
            guard let bytes = try? flash.read(offset: page * flash.pageSize, count: flash.pageSize),
                bytes.contains(where: { $0 != 0xFF })
            else { continue }
            guard (try? flash.erase(page: page)) != nil else { return }
        }
    }
}
