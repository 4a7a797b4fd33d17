import Foundation
import Testing

/// Hands a value that is not `Sendable` from a thread that is done with it to the one that joins it.
struct Handoff<Value>: @unchecked Sendable {
    let value: Value
}

/// A flag one thread raises and others read.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    var isRaised: Bool { lock.withLock { raised } }
    func raise() { lock.withLock { raised = true } }
}

/// Runs bodies on their own threads, each started after all of them have done their setup, and
/// joins them with a deadline, so "at once" means at once and a stuck thread fails the test
/// instead of hanging it.
final class Crowd: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrived: Set<Int> = []
    private var finished = 0
    private var results: [Int: Result<Handoff<Any>, any Error>] = [:]
    let size: Int

    init(size: Int) {
        self.size = size
    }

    /// Runs `body(i)` for i in 0..<size, each on a new thread. `body` calls `gate` once its setup
    /// is done; no thread goes past its gate before every thread has reached it. Returns each
    /// body's result in order, or nil for a thread not finished within `seconds`.
    func run<Value>(
        seconds: Double,
        _ body: @escaping @Sendable (_ index: Int, _ gate: @escaping @Sendable () -> Void) throws -> Value
    ) -> [Result<Value, any Error>?] {
        for index in 0..<size {
            let thread = Thread { [self] in
                let result = Result { Handoff<Any>(value: try body(index) { self.arriveAndWait(index) }) }
                condition.withLock {
                    // A body that failed before its gate must not hold the others at theirs.
                    arrived.insert(index)
                    results[index] = result
                    finished += 1
                    condition.broadcast()
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        let deadline = Date().addingTimeInterval(seconds)
        condition.withLock {
            while finished < size, condition.wait(until: deadline) {}
        }
        return condition.withLock {
            (0..<size).map { index in results[index].map { $0.map { $0.value as! Value } } }
        }
    }

    private func arriveAndWait(_ index: Int) {
        condition.withLock {
            arrived.insert(index)
            condition.broadcast()
            while arrived.count < size { condition.wait() }
        }
    }
}

/// Counts down to zero from several threads; raises its flag at zero.
final class Countdown: @unchecked Sendable {
    private let condition = NSCondition()
    private var remaining: Int
    let done = Flag()

    init(_ count: Int) {
        remaining = count
        if count == 0 { done.raise() }
    }

    func tick() {
        condition.withLock {
            remaining -= 1
            if remaining == 0 { done.raise() }
            condition.broadcast()
        }
    }

    /// Waits until the count reaches zero; false if `seconds` pass first.
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        return condition.withLock {
            while remaining > 0 {
                guard condition.wait(until: deadline) else { return false }
            }
            return true
        }
    }
}
