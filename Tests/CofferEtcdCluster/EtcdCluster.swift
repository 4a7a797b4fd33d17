import Foundation

/// A real etcd cluster on loopback, as `etcd` processes: for the store's tests, `make bench` and the
/// realm demo. Ports are the OS's choice (bound at port 0, then handed to etcd), data directories
/// live in a fresh temporary directory, readiness is each member's `/health` polled against a
/// deadline, and `stop()` ends every member with SIGTERM and removes the directory.
public final class EtcdCluster: @unchecked Sendable {
    /// One member: its name, ports and process.
    public struct Member {
        public let name: String
        public let clientPort: Int
        public let peerPort: Int
        public let process: Process
        /// Where its log goes.
        public let logPath: String
        /// The command line it was started with (a restart uses it again: same name, ports and data).
        let arguments: [String]

        /// `127.0.0.1:PORT`, its client endpoint.
        public var endpoint: String { "127.0.0.1:\(clientPort)" }
    }

    /// etcd could not be started, with what it said.
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// Where `etcd` is: `$COFFER_ETCD`, else the first `etcd` on PATH, else Debian's /usr/bin/etcd;
    /// nil when there is none.
    public static var binary: String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["COFFER_ETCD"] { return path }
        let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return directories.map { $0 + "/etcd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The temporary directory with every member's data and log.
    public let directory: String
    public private(set) var members: [Member] = []
    private let lock = NSLock()

    /// Every member's client endpoint, `HOST:PORT,HOST:PORT,...`.
    public var endpoints: String { members.map(\.endpoint).joined(separator: ",") }
    /// The store address of the cluster: `etcd://HOST:PORT,...`.
    public var address: String { "etcd://" + endpoints }

    /// Starts `size` members and waits until every one reports healthy, for at most `seconds`.
    /// A port another process took between our probe and etcd's bind makes a member exit; then the
    /// whole cluster starts again on new ports (three tries).
    public init(size: Int = 3, seconds: Double = 60) throws {
        guard let binary = Self.binary else {
            throw StartFailure(description: "etcd is not installed (scripts/bootstrap.sh test installs etcd-server)")
        }
        let template = NSTemporaryDirectory() + "coffer-etcd-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw StartFailure(description: "mkdtemp failed: \(errno)") }
        directory = String(cString: made)
        var lastFailure = StartFailure(description: "not started")
        for attempt in 1...3 {
            do {
                try launch(binary: binary, size: size, attempt: attempt)
                try waitUntilHealthy(seconds: seconds)
                return
            } catch let failure as StartFailure {
                lastFailure = failure
                stopMembers()
            } catch {
                stopMembers()
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw lastFailure
    }

    deinit { stop() }

    private func launch(binary: String, size: Int, attempt: Int) throws {
        let ports = try Self.freePorts(2 * size)
        let names = (0..<size).map { "m\($0)" }
        let cluster = names.enumerated().map { "\($1)=http://127.0.0.1:\(ports[2 * $0 + 1])" }.joined(separator: ",")
        for (position, name) in names.enumerated() {
            let client = ports[2 * position]
            let peer = ports[2 * position + 1]
            let logPath = "\(directory)/\(name)-\(attempt).log"
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                throw StartFailure(description: "cannot create \(logPath)")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "--name", name, "--data-dir", "\(directory)/\(name)-\(attempt).etcd",
                "--listen-client-urls", "http://127.0.0.1:\(client)", "--advertise-client-urls", "http://127.0.0.1:\(client)",
                "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                "--initial-cluster", cluster, "--initial-cluster-state", "new",
                "--initial-cluster-token", "coffer-\(URL(fileURLWithPath: directory).lastPathComponent)-\(attempt)",
                "--logger", "zap", "--log-outputs", "stderr",
            ]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            try process.run()
            // Noted at once, so that a failure to start the next still stops this one.
            let member = Member(
                name: name, clientPort: client, peerPort: peer, process: process, logPath: logPath,
                arguments: process.arguments ?? [])
            lock.withLock { members.append(member) }
        }
    }

    /// Polls every running member's `/health` until all say true, or throws with the logs' tails.
    private func waitUntilHealthy(seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var waiting = members
        while Date() < deadline {
            if let dead = waiting.first(where: { !$0.process.isRunning }) {
                throw StartFailure(description: "etcd member \(dead.name) exited: \(Self.tail(dead.logPath))")
            }
            waiting.removeAll { Self.isHealthy(port: $0.clientPort) }
            if waiting.isEmpty { return }
            _ = poll(nil, 0, 20)
        }
        throw StartFailure(description: "etcd members \(waiting.map(\.name)) not healthy within \(seconds) s: "
            + waiting.map { Self.tail($0.logPath) }.joined(separator: " | "))
    }

    /// SIGKILLs member `index` (a crash: no goodbye to its peers) and waits for it to be gone.
    public func kill(member index: Int) {
        let member = members[index]
        guard member.process.isRunning else { return }
        Foundation.kill(member.process.processIdentifier, SIGKILL)
        member.process.waitUntilExit()
    }

    /// Starts member `index` again after `kill(member:)`: the same name, ports and data directory, so it
    /// rejoins the cluster as itself; waits until it reports healthy, for at most `seconds`.
    public func restart(member index: Int, seconds: Double = 60) throws {
        let old = members[index]
        guard !old.process.isRunning, let binary = Self.binary else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = old.arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: old.logPath))
        log.seekToEndOfFile()
        process.standardError = log
        try process.run()
        let member = Member(
            name: old.name, clientPort: old.clientPort, peerPort: old.peerPort, process: process, logPath: old.logPath,
            arguments: old.arguments)
        lock.withLock { members[index] = member }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard process.isRunning else {
                throw StartFailure(description: "etcd member \(old.name) exited on restart: \(Self.tail(old.logPath))")
            }
            if Self.isHealthy(port: old.clientPort) { return }
            _ = poll(nil, 0, 20)
        }
        throw StartFailure(description: "etcd member \(old.name) not healthy within \(seconds) s of its restart")
    }

    /// Sends SIGTERM to every member, waits for each (SIGKILL after 10 s) and removes the directory.
    public func stop() {
        stopMembers()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func stopMembers() {
        let running = lock.withLock { () -> [Member] in
            defer { members = [] }
            return members
        }
        for member in running where member.process.isRunning { member.process.terminate() }
        for member in running {
            let deadline = Date().addingTimeInterval(10)
            while member.process.isRunning && Date() < deadline { _ = poll(nil, 0, 10) }
            if member.process.isRunning { Foundation.kill(member.process.processIdentifier, SIGKILL) }
            member.process.waitUntilExit()
        }
    }

    /// `count` distinct TCP ports on 127.0.0.1 that were free a moment ago: each bound at port 0
    /// (the OS picks) and held until all are chosen, then released for etcd to bind.
    public static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw StartFailure(description: "socket: \(errno)") }
            sockets.append(descriptor)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                    bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
                }
            }
            guard bound else { throw StartFailure(description: "bind to port 0: \(errno)") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Whether GET /health on 127.0.0.1:`port` answers `"health":"true"`.
    static func isHealthy(port: Int) -> Bool {
        exchange(port: port, "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?.contains("\"health\":\"true\"") ?? false
    }

    /// The index of the member that leads now, nil when no running member names a running leader.
    public func leader() -> Int? {
        let body = "{}"
        for member in members where member.process.isRunning {
            let request = "POST /v3/maintenance/status HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            guard let answer = Self.exchange(port: member.clientPort, request),
                  let start = answer.range(of: "\r\n\r\n")?.upperBound,
                  let status = try? JSONSerialization.jsonObject(with: Data(answer[start...].utf8)) as? [String: Any],
                  let leader = status["leader"] as? String,
                  let header = status["header"] as? [String: Any], let me = header["member_id"] as? String
            else { continue }
            if leader == me { return members.firstIndex { $0.name == member.name } }
        }
        return nil
    }

    /// One HTTP/1.0 exchange with 127.0.0.1:`port` on a blocking socket (a second at most per
    /// step): the whole answer, nil when the port does not answer.
    public static func exchange(port: Int, _ request: String) -> String? {
        exchange(port: port, bytes: Array(request.utf8), secondsPerStep: 1).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `request`'s bytes sent to 127.0.0.1:`port` on a blocking socket and everything read back until
    /// the peer closes (at most `secondsPerStep` per send or receive); nil when the port does not
    /// answer or the request cannot be sent whole.
    public static func exchange(port: Int, bytes request: [UInt8], secondsPerStep: Int) -> [UInt8]? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: secondsPerStep, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected, send(descriptor, request, request.count, 0) == request.count else { return nil }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count <= 0 { break }
            answer += chunk[..<count]
        }
        return answer
    }

    /// The last lines of a member's log, for a failure message.
    static func tail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(3).joined(separator: "\n")
    }
}
