// Realm mode beside the standalone vault (docs/PROTOCOL.md §11.8): the chip's realm commands go to a
// `RealmMember` on the same board, whose pages are the flash's realm area after the store. One chip
// has one role: a manufactured chip may take part in a ceremony and join a realm; once joined it
// refuses the standalone vault's commands (but GetInfo, Counters and Zeroize), and a chip provisioned
// as a standalone vault takes no realm role. Zeroize forgets both.

import CofferProtocol

extension Vault {
    /// Whether `command` is a realm member command (0x60–0x67) or a ceremony command (0x68–0x6E).
    static func isRealmCommand(_ command: UInt8) -> Bool {
        RealmOperation(rawValue: command) != nil || RealmCeremonyOperation(rawValue: command) != nil
    }

    /// The vault operations a realm member still answers: what it is, its counters, and zeroize.
    static func servedToRealmMember(_ operation: VaultOperation) -> Bool {
        operation == .getInfo || operation == .counters || operation == .zeroize
    }

    /// Whether this chip serves as a realm member (joined, or its membership page is written but does
    /// not open, which is never read as "no realm").
    public var isRealmMember: Bool {
        guard let realm else { return false }
        return realm.memberID != nil || realm.isMembershipDamaged
    }

    /// The realm member on this board, when the chip can take a realm role.
    public var realmMember: RealmMember<B>? { realm }

    /// Serves a realm command. Without a member (blank, provisioned or zeroized chip) RealmInfo still
    /// answers, "not a member"; everything else is refused `wrongRole` (or why the member did not boot).
    func handleRealm(command: UInt8, payload: [UInt8]) -> [UInt8] {
        if let realm { return realm.handle(command: command, payload: payload) }
        let refusal = realmFault?.wireCode ?? RealmError.wrongRole.wireCode
        guard command == RealmOperation.realmInfo.rawValue else {
            return RealmLinkReply.failure(status: refusal).encoded()
        }
        do throws(RealmLinkError) {
            _ = try RealmLinkRequest(command: command, payload: payload)
        } catch {
            return RealmLinkReply.failure(status: RealmLinkStatus.code(error)).encoded()
        }
        return RealmLinkReply.realmInfo(RealmInfo(memberID: nil, tail: nil, configuration: nil, proofBase: nil)).encoded()
    }

    /// Boots the realm member on a manufactured chip (its realm area right after the store); on any
    /// other chip, or a board without the area, there is none.
    func bootRealm() {
        realm = nil
        realmFault = nil
        guard lifecycle == .manufactured else { return }
        let layout = FlashLayout(pageSize: board.flash.pageSize, geometry: configuration.geometry)
        // A board whose flash has no realm area (the store alone) has no member, and derives nothing.
        guard board.flash.pageCount >= layout.chipPages else {
            realmFault = .hal(.outOfRange)
            return
        }
        do throws(RealmError) {
            realm = try RealmMember(board: board, firstPage: layout.realmFirstPage, deviceKind: configuration.deviceKind)
        } catch {
            realmFault = error
        }
    }
}
