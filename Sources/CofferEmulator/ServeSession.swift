import CofferFirmware
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of the server: the socket is bound first (so a taken port or a bad address fails before
/// any state is touched), then the device is loaded, then readiness is announced (ready file), then
/// reports are served until SIGINT or SIGTERM, and the announcement is taken back.
public struct ServeSession {
    /// The bound socket.
    public let socket: UDPSocket
    /// Where to announce readiness, if anywhere.
    public let readyFile: String?

    /// Binds `bind`:`port` (0: the OS picks). A stale ready file from an earlier run is removed now,
    /// so nobody mistakes it for this run's.
    public init(bind: String, port: UInt16, readyFile: String?) throws(EmulatorError) {
        if let readyFile {
            unlink(readyFile)
        }
        do {
            socket = try UDPSocket(host: bind, port: port)
        } catch {
            throw .socket(error)
        }
        self.readyFile = readyFile
    }

    /// Serves `endpoint` for the device with `serial` whose state is in `directory`; returns after a
    /// shutdown signal. The ready file appears only now, with the state loaded and the socket bound.
    public func run<Endpoint: ReportEndpoint>(
        _ endpoint: Endpoint,
        serial: UInt64,
        directory: StateDirectory,
        logger: Logger
    ) throws(EmulatorError) {
        ShutdownSignal.install()
        let server = ReportServer(socket: socket, endpoint: endpoint, clock: SystemClock(), logger: logger)
        if let readyFile {
            let ready = ReadyFile(pid: getpid(), port: socket.port, serial: serial, stateDir: directory.path)
            do {
                try ready.write(to: readyFile)
            } catch {
                throw .readyFile(error)
            }
        }
        logger.notice(
            "serving device \(ReadyFile.hex(serial)) on \(socket.host):\(socket.port) from \(directory.path)")
        server.run { ShutdownSignal.requested != nil }
        logger.notice("stopping on signal \(ShutdownSignal.requested ?? 0)")
        if let readyFile {
            unlink(readyFile)
        }
    }
}
