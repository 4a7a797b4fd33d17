// A realm member on this board, specialised on the pure-Swift engine so that Embedded Swift compiles
// and checks RealmMember's generic code (compile-only, like the rest of this unit).

import CofferFirmware
import CofferProtocol
import CofferPureCrypto

/// Boots realm mode on a fresh board whose realm pages start at `firstPage`, decodes the log entry at
/// `entry` (`count` bytes) and takes it through what a member does: capture, a batch of one GetInfo
/// on an empty proof, statements, a jump, step-down. Returns how far it got (0 = not a member).
@_cdecl("coffer_board_realm_member")
public func boardRealmMember(_ entry: UnsafePointer<UInt8>, _ count: Int, _ firstPage: Int) -> Int32 {
    let board = MCUBoard(
        fuses: OTPFuses(), counters: MonotonicCounters(), flash: InternalFlash(), entropy: TRNGStandIn(),
        engine: PureCryptoEngine())
    guard let member = try? RealmMember(board: board, firstPage: firstPage) else { return 0 }
    guard let decoded = RealmLogEntry(decoding: Array(UnsafeBufferPointer(start: entry, count: count))) else {
        return 1
    }
    var reached: Int32 = 2
    if let captured = try? member.capture(decoded), let statement = captured.statement {
        reached = 3
        if (try? member.commit([statement])) != nil { reached = 4 }
    }
    let request = RealmRequest(handle: 1, channel: 1, request: .getInfo)
    if (try? member.propose([request], proof: RecordTree(), leaves: [])) != nil { reached += 10 }
    if let statement = member.tailStatement(), (try? member.jump(to: decoded, certificate: [statement])) != nil {
        reached += 20
    }
    return reached + Int32(member.stepDown().count) + Int32(member.treeKeys(for: [request]).count)
}

/// Serves one agent command (RealmLink) on a member of this board: decodes the payload at `payload`
/// (`count` bytes) as vendor command `command`, calls the member and writes at most `capacity` reply
/// bytes to `reply`. Returns the reply's length, or -1 when it did not fit.
@_cdecl("coffer_board_realm_link")
public func boardRealmLink(
    _ command: UInt8, _ payload: UnsafePointer<UInt8>, _ count: Int, _ reply: UnsafeMutablePointer<UInt8>,
    _ capacity: Int, _ firstPage: Int
) -> Int32 {
    let board = MCUBoard(
        fuses: OTPFuses(), counters: MonotonicCounters(), flash: InternalFlash(), entropy: TRNGStandIn(),
        engine: PureCryptoEngine())
    guard let member = try? RealmMember(board: board, firstPage: firstPage) else { return -1 }
    let bytes = member.handle(command: command, payload: Array(UnsafeBufferPointer(start: payload, count: count)))
    guard bytes.count <= capacity else { return -1 }
    for (i, byte) in bytes.enumerated() { reply[i] = byte }
    return Int32(bytes.count)
}
