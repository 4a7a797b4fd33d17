import Foundation

/// NSLock with a closure form, for tests that collect values from worker threads.
final class TestLock: @unchecked Sendable {
    private let lock = NSLock()

    func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
