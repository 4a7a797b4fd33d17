import Foundation

@testable import CofferEmulator

/// Opens a state directory that this process has just released, waiting out a lock that a child of
/// another test briefly shares.
///
/// Tests in this process start emulator and cofferctl processes concurrently. Between fork and exec a
/// child holds copies of every descriptor, the lock file's included (O_CLOEXEC closes it only at
/// exec), and flock(2) keeps the lock until the last copy closes. So a release followed at once by a
/// re-open can find "locked by pid <ours>" for that instant. Only that case is retried, within a
/// bound; a lock held by anyone else, or still held after the bound, is reported as it is.
func openReleased(_ open: () throws -> ChipMedia) throws -> ChipMedia {
    let deadline = Date().addingTimeInterval(5)
    while true {
        do {
            return try open()
        } catch let error as StateFileError where error.problem == .locked(holder: "pid \(getpid())") {
            guard Date() < deadline else { throw error }
            sched_yield()
        }
    }
}
