#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferFirmware
import Logging

/// One run of the server around a loaded device: bind, announce (ready file), serve until SIGINT or
/// SIGTERM, then take the announcement back.
public struct ServeSession {
    /// The address to bind.
    public var bind: String
    /// The port to bind (0: the OS picks).
    public var port: UInt16
    /// Where to announce readiness, if anywhere.
    public var readyFile: String?

    public init(bind: String, port: UInt16, readyFile: String?) {
        self.bind = bind
        self.port = port
        self.readyFile = readyFile
    }

    /// Serves `endpoint` for the device with `serial` whose state is in `directory`; returns after a
    /// shutdown signal. The ready file appears only once the socket is bound.
    public func run<Endpoint: ReportEndpoint>(
        _ endpoint: Endpoint,
        serial: UInt64,
        directory: StateDirectory,
        logger: Logger
    ) throws(EmulatorError) {
        if let readyFile {
            // A stale file from an earlier run must not be mistaken for this one's.
            unlink(readyFile)
        }
        let socket: UDPSocket
        do {
            socket = try UDPSocket(host: bind, port: port)
        } catch {
            throw .socket(error)
        }
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
        logger.notice("serving device \(ReadyFile.hex(serial)) on \(bind):\(socket.port) from \(directory.path)")
        server.run { ShutdownSignal.requested != nil }
        logger.notice("stopping on signal \(ShutdownSignal.requested ?? 0)")
        if let readyFile {
            unlink(readyFile)
        }
    }
}
