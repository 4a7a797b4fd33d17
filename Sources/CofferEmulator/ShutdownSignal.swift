#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// SIGINT and SIGTERM turned into a flag the serve loop reads, so the process leaves by the front
/// door (ready file removed, lock released) instead of dying mid-write.
public enum ShutdownSignal {
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers. Without SA_RESTART, so a wait in `poll(2)` returns at once.
    public static func install() {
        for signal in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { ShutdownSignal.received.store($0, ordering: .relaxed) }
            #else
            action.__sigaction_u.__sa_handler = { ShutdownSignal.received.store($0, ordering: .relaxed) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
    }

    /// The signal that asked for a shutdown, or nil if none has yet.
    public static var requested: Int32? {
        let signal = received.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }
}
