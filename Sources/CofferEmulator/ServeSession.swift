import CofferFirmware
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of the server: the socket is bound first (so a taken port or a bad address fails before
/// any state is touched), then the device is loaded, then readiness is announced (ready file, and a
/// note in the per-user runtime directory for `cofferctl devices`), then reports are served until
/// SIGINT or SIGTERM, and both announcements are taken back.
public struct ServeSession {
    /// The bound socket.
    public let socket: UDPSocket
    /// Where to announce readiness, if anywhere.
    public let readyFile: String?
    /// The runtime directory the session notes itself in (`EmulatorAnnouncement`); nil: nowhere.
    public let runtimeDirectory: String?

    /// Binds `bind`:`port` (0: the OS picks). A stale ready file from an earlier run is removed now,
    /// so nobody mistakes it for this run's.
    public init(bind: String, port: UInt16, readyFile: String?, runtimeDirectory: String?) throws(EmulatorError) {
        if let readyFile {
            unlink(readyFile)
        }
        do {
            socket = try UDPSocket(host: bind, port: port)
        } catch {
            throw .socket(error)
        }
        self.readyFile = readyFile
        self.runtimeDirectory = runtimeDirectory
    }

    /// Serves `endpoint` for the device with `serial` whose state is in `directory`; returns after a
    /// shutdown signal. The ready file appears only now, with the state loaded and the socket bound.
    /// `warnings` (damage the device started with) go into the runtime note, for `cofferctl info`.
    /// `stop` ends the serving too when it says so (asked after every wait for traffic). `barrier`, when
    /// given, runs before each turn's replies leave (`ReportServer.barrier`).
    public func run<Endpoint: ReportEndpoint>(
        _ endpoint: Endpoint,
        serial: UInt64,
        directory: StateDirectory,
        warnings: [StateWarning] = [],
        logger: Logger,
        until stop: () -> Bool = { false },
        barrier: (() -> Bool)? = nil
    ) throws(EmulatorError) {
        ShutdownSignal.install()
        let server = ReportServer(socket: socket, endpoint: endpoint, clock: SystemClock(), logger: logger)
        server.barrier = barrier
        // The note before the ready file: whoever waits for the latter finds the former.
        let note = announce(serial: serial, directory: directory, warnings: warnings, logger: logger)
        if let readyFile {
            let ready = ReadyFile(pid: getpid(), port: socket.port, serial: serial, stateDir: directory.path)
            do {
                try ready.write(to: readyFile)
            } catch {
                if let note { unlink(note) }
                throw .readyFile(error)
            }
        }
        logger.notice(
            "serving device \(ReadyFile.hex(serial)) on \(socket.host):\(socket.port) from \(directory.path)")
        server.run { ShutdownSignal.requested != nil || stop() }
        if !server.halted { logger.notice("stopping on signal \(ShutdownSignal.requested ?? 0)") }
        if let note { unlink(note) }
        if let readyFile {
            unlink(readyFile)
        }
        if server.halted {
            throw .halted(
                "halted: a group commit of the counters in \(directory.path) did not become durable, so the replies "
                    + "that depended on it were never sent (see the log); the files hold the last durable state")
        }
    }

    /// Notes this emulator in the runtime directory; a directory that cannot take the note is logged
    /// and the device served all the same (only `cofferctl devices` misses it).
    private func announce(serial: UInt64, directory: StateDirectory, warnings: [StateWarning], logger: Logger)
        -> String?
    {
        guard let runtimeDirectory else { return nil }
        let note = EmulatorAnnouncement(
            pid: getpid(), host: socket.host, port: socket.port, serial: serial, stateDir: directory.path,
            warnings: warnings)
        do {
            return try note.announce(in: runtimeDirectory)
        } catch {
            logger.warning("cannot note this emulator for cofferctl devices: \(error)")
            return nil
        }
    }
}
