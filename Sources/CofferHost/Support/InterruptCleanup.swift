#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What must be undone if the process is interrupted (SIGINT, SIGTERM, SIGHUP): hidden temporary
/// files that would otherwise be left beside a backup's destination (hundreds of MB, or verified
/// plaintext), and a terminal whose echo a password prompt turned off.
///
/// The handler only unlinks and calls tcsetattr (both async-signal-safe), then dies of the same
/// signal with its default action, so the parent sees the interruption as it happened.
public enum InterruptCleanup {
    static let capacity = 16
    /// Paths to unlink, as C strings; nil slots are free. Registered strings are never freed: a
    /// handler running on another thread may be reading one.
    nonisolated(unsafe) private static let paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let paths = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        paths.initialize(repeating: nil, count: capacity)
        return paths
    }()
    nonisolated(unsafe) private static var terminal: Int32 = -1
    nonisolated(unsafe) private static var savedTerminal = termios()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Installs the handlers for SIGINT, SIGTERM and SIGHUP (once; later calls do nothing).
    public static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            for slot in 0..<InterruptCleanup.capacity {
                if let path = InterruptCleanup.paths[slot] { unlink(path) }
            }
            if InterruptCleanup.terminal >= 0 {
                _ = tcsetattr(InterruptCleanup.terminal, TCSANOW, &InterruptCleanup.savedTerminal)
            }
            Glibc.signal(signal, SIG_DFL)
            // Blocked while this handler runs; delivered, with its default action, as it returns.
            raise(signal)
        }
        for signal in [SIGINT, SIGTERM, SIGHUP] { _ = sigaction(signal, &action, nil) }
    }

    /// Runs `body` with SIGINT, SIGTERM and SIGHUP held back on this thread; one that arrives meanwhile
    /// is handled as `body` returns, so a file made and registered inside is never left between the two.
    static func deferringInterrupts<T>(_ body: () -> T) -> T {
        var held = sigset_t()
        sigemptyset(&held)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&held, signal) }
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &held, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }

    /// Removes `path` if the process is interrupted before `forget` is called; returns its slot
    /// (-1 when the table is full, and the file is then not removed on interruption).
    static func removeOnInterrupt(_ path: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        for slot in 0..<capacity where paths[slot] == nil {
            paths[slot] = strdup(path)
            return slot
        }
        return -1
    }

    /// Stops removing the file of `slot` (it was renamed into place, or already removed).
    static func forget(_ slot: Int) {
        guard slot >= 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        paths[slot] = nil
    }

    /// Puts `original` back on terminal `fd` if the process is interrupted before `restoredTerminal`.
    static func restoreOnInterrupt(terminal fd: Int32, original: termios) {
        lock.lock()
        defer { lock.unlock() }
        savedTerminal = original
        terminal = fd
    }

    /// The terminal was restored by its owner.
    static func restoredTerminal() {
        lock.lock()
        defer { lock.unlock() }
        terminal = -1
    }
}
