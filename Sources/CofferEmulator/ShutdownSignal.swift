import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM turned into a flag the serve loop reads, so the process leaves by the front
/// door (ready file removed, lock released) instead of dying mid-write.
public enum ShutdownSignal {
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers. Without SA_RESTART, so a wait in `poll(2)` returns at once. Also
    /// unblocks both signals: a parent may have spawned us with them blocked (Foundation's
    /// `Process` passes on its thread's mask), and a blocked SIGTERM would never stop the server.
    public static func install() {
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for signal in [SIGINT, SIGTERM] {
            sigaddset(&unblocked, signal)
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
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }

    /// The signal that asked for a shutdown, or nil if none has yet.
    public static var requested: Int32? {
        let signal = received.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }
}
