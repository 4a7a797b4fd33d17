// What a realm member does with a record proof, specialised on the pure-Swift engine so that
// Embedded Swift checks the record tree's generic code (compile-only, like the rest of this unit).

import CofferFirmware
import CofferPureCrypto

/// Decodes the proof at `proof` (`count` bytes), checks it against the 32-byte `trustedRoot`, sets
/// the 32-byte `key`'s value hash to `valueHash` and writes the new root to `newRoot`. Returns 0, or
/// -1 when the proof is malformed, does not match the root or does not cover the key.
@_cdecl("coffer_record_tree_apply")
public func recordTreeApply(
    _ proof: UnsafePointer<UInt8>, _ count: Int, _ trustedRoot: UnsafePointer<UInt8>, _ key: UnsafePointer<UInt8>,
    _ valueHash: UnsafePointer<UInt8>, _ newRoot: UnsafeMutablePointer<UInt8>
) -> Int32 {
    let engine = PureCryptoEngine()
    guard var tree = try? RecordTree(decoding: Array(UnsafeBufferPointer(start: proof, count: count))),
        tree.rootHash(engine) == Array(UnsafeBufferPointer(start: trustedRoot, count: 32)),
        let recordKey = RecordKey(Array(UnsafeBufferPointer(start: key, count: 32)))
    else { return -1 }
    do {
        try tree.upsert(recordKey, valueHash: Array(UnsafeBufferPointer(start: valueHash, count: 32)))
    } catch {
        return -1
    }
    for (index, byte) in tree.rootHash(engine).enumerated() { newRoot[index] = byte }
    return 0
}
