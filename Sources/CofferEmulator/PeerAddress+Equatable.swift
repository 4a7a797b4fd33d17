#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two peers are the same when family, address and port (and an IPv6 scope) agree; padding bytes
/// of the socket address do not count.
extension PeerAddress: Equatable {
    public static func == (left: PeerAddress, right: PeerAddress) -> Bool {
        let (a, b) = (left.storage, right.storage)
        guard a.ss_family == b.ss_family else { return false }
        switch Int32(a.ss_family) {
        case AF_INET:
            let (x, y) = (a.as(sockaddr_in.self), b.as(sockaddr_in.self))
            return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr
        case AF_INET6:
            let (x, y) = (a.as(sockaddr_in6.self), b.as(sockaddr_in6.self))
            let sameAddress = withUnsafeBytes(of: x.sin6_addr) { p in
                withUnsafeBytes(of: y.sin6_addr) { p.elementsEqual($0) }
            }
            return x.sin6_port == y.sin6_port && x.sin6_scope_id == y.sin6_scope_id && sameAddress
        default:
            let count = Int(left.length)
            return left.length == right.length
                && withUnsafeBytes(of: a) { p in
                    withUnsafeBytes(of: b) { p.prefix(count).elementsEqual($0.prefix(count)) }
                }
        }
    }
}

extension sockaddr_storage {
    fileprivate func `as`<T>(_: T.Type) -> T {
        withUnsafeBytes(of: self) { $0.loadUnaligned(as: T.self) }
    }
}
