/// Where a realm's store is, as an operator writes it: `dir:PATH` (one machine) or
/// `etcd://HOST:PORT[,HOST:PORT...]` (an etcd 3.4 cluster, its client endpoints over plain HTTP).
public enum RealmStoreAddress: Equatable, Sendable {
    /// A directory on this machine, shared by the agents that run here.
    case directory(String)
    /// The client endpoints of one etcd cluster, tried in this order.
    case etcd([EtcdEndpoint])

    /// Parses `text`, refusing anything this build does not know with the reason.
    public init(_ text: String) throws(RealmStoreError) {
        if text.hasPrefix("dir:") {
            let path = String(text.dropFirst("dir:".count))
            guard !path.isEmpty else { throw .invalidAddress(text, reason: "dir: needs a path, as in dir:/var/lib/coffer-realm") }
            self = .directory(path)
            return
        }
        if text.hasPrefix("etcd://") {
            var rest = Substring(text.dropFirst("etcd://".count))
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            guard !rest.isEmpty else { throw .invalidAddress(text, reason: "etcd:// needs at least one HOST:PORT") }
            var endpoints: [EtcdEndpoint] = []
            for part in rest.split(separator: ",", omittingEmptySubsequences: false) {
                endpoints.append(try EtcdEndpoint(part, in: text))
            }
            self = .etcd(endpoints)
            return
        }
        throw .invalidAddress(text, reason: "expected dir:PATH or etcd://HOST:PORT[,HOST:PORT...]")
    }
}

/// One etcd client endpoint: a host (a name, an IPv4 address or a bracketed IPv6 address) and a port.
public struct EtcdEndpoint: Equatable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[V6]:PORT` for IPv6), naming `address` in the refusal.
    init(_ text: Substring, in address: String) throws(RealmStoreError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw .invalidAddress(address, reason: "endpoint '\(text)' has no :PORT")
        }
        let host = text[..<colon]
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw .invalidAddress(address, reason: "endpoint '\(text)' has no port in 1...65535")
        }
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
        let plain = !host.isEmpty && !host.contains(":") && !host.contains("/") && !host.contains("[")
        guard bracketed || plain else {
            throw .invalidAddress(address, reason: "endpoint '\(text)' has no host (IPv6 goes in brackets)")
        }
        self.init(host: String(host), port: port)
    }

    /// The endpoint's base URL for the v3 JSON gateway.
    var url: String { "http://\(host):\(port)" }

    public var description: String { "\(host):\(port)" }
}

/// The store at `address` (`dir:PATH` or `etcd://HOST:PORT[,...]`), ready for use. A directory
/// store is opened (and made, when PATH is new or empty) now; an etcd store connects on first use.
public func openRealmStore(_ address: String) throws(RealmStoreError) -> any RealmStore {
    switch try RealmStoreAddress(address) {
    case .directory(let path): try DirectoryRealmStore(path: path)
    case .etcd(let endpoints): EtcdRealmStore(endpoints: endpoints)
    }
}
