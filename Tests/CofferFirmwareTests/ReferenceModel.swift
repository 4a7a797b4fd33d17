// A small reference model of the vault: what each slot holds, each slot's attempt counter, the
// unknown-id login counter. Pure value semantics, a few lines per rule, so it can be read against
// DESIGN.md and then trusted to judge the firmware on random operation sequences.

import CofferProtocol

struct ModelRecord: Equatable {
    var id: [UInt8]
    var limit: UInt8
    var base: UInt32
    var key: [UInt8]?
}

enum ModelContent: Equatable {
    case empty
    case record(ModelRecord)
    case tombstone([UInt8])
}

struct ModelSlot: Equatable {
    var content: ModelContent = .empty
    var attempts: UInt32 = 0
}

/// What LoginStart does to the model.
enum ModelStart {
    /// The id's record was destroyed: `recordDestroyed`, nothing counted.
    case destroyed
    /// No record: a fake KE2; the unknown-login counter rises.
    case unknown(remaining: UInt8)
    /// The attempt is counted in `slot`; `held` when it was the last one (the record is already a
    /// tombstone and lives on only in the pending login).
    case record(slot: Int, record: ModelRecord, remaining: UInt8, held: Bool)
}

struct ModelDevice: Equatable {
    var slots: [ModelSlot]
    var unknownLogins: UInt32 = 0
    let defaultLimit: UInt8

    init(slotCount: Int, defaultLimit: UInt8) {
        slots = [ModelSlot](repeating: ModelSlot(), count: slotCount)
        self.defaultLimit = defaultLimit
    }

    func slot(of id: [UInt8]) -> Int? {
        slots.firstIndex {
            switch $0.content {
            case .record(let record): record.id == id
            case .tombstone(let other): other == id
            case .empty: false
            }
        }
    }

    func record(_ id: [UInt8]) -> ModelRecord? {
        guard let slot = slot(of: id), case .record(let record) = slots[slot].content else { return nil }
        return record
    }

    /// RegisterStart + RegisterFinish.
    mutating func register(_ id: [UInt8], limit: UInt8) -> VaultStatus {
        if record(id) != nil { return .credentialExists }
        let free =
            slot(of: id) ?? slots.firstIndex { $0.content == .empty }
            ?? slots.firstIndex { if case .tombstone = $0.content { true } else { false } }
        guard let free else { return .storeFull }
        let effective = limit == 0 ? defaultLimit : limit
        slots[free].content = .record(ModelRecord(id: id, limit: effective, base: slots[free].attempts, key: nil))
        return .ok
    }

    /// LoginStart: count first, destroy on the last attempt.
    mutating func start(_ id: [UInt8]) -> ModelStart {
        guard let slot = slot(of: id) else {
            unknownLogins += 1
            return .unknown(remaining: defaultLimit - 1)
        }
        guard case .record(let record) = slots[slot].content else { return .destroyed }
        slots[slot].attempts += 1
        let used = slots[slot].attempts - record.base
        let held = used == UInt32(record.limit)
        if held { slots[slot].content = .tombstone(id) }
        return .record(slot: slot, record: record, remaining: record.limit - UInt8(used), held: held)
    }

    /// LoginFinish with a valid KE3: re-base, then the intent.
    mutating func finish(slot: Int, record started: ModelRecord, intent: LoginIntent, newKey: [UInt8]) -> LoginOutcome {
        var record = started
        if case .record(let current) = slots[slot].content { record = current }
        record.base = slots[slot].attempts
        switch intent {
        case .delete:
            slots[slot].content = .empty
            return .done
        case .deposit:
            slots[slot].content = .record(record)
            guard record.key == nil else { return .refused(.keyAlreadyDeposited) }
            record.key = newKey
            slots[slot].content = .record(record)
            return .done
        case .recover:
            slots[slot].content = .record(record)
            guard let key = record.key else { return .refused(.noKeyDeposited) }
            return .recovered(key)
        }
    }
}
