import CofferRealmStore
import XCTest

/// `dir:PATH` and `etcd://HOST:PORT[,...]`, and the refusal of anything else with its reason.
final class RealmStoreAddressTests: XCTestCase {
    func testDirectoryAddress() throws {
        XCTAssertEqual(try RealmStoreAddress("dir:/var/lib/coffer-realm"), .directory("/var/lib/coffer-realm"))
        XCTAssertEqual(try RealmStoreAddress("dir:relative/store"), .directory("relative/store"))
    }

    func testEtcdAddressKeepsItsEndpointsInOrder() throws {
        XCTAssertEqual(try RealmStoreAddress("etcd://10.0.0.2:2379,etcd-b.example:2379,[::1]:23790/"), .etcd([
            EtcdEndpoint(host: "10.0.0.2", port: 2379), EtcdEndpoint(host: "etcd-b.example", port: 2379),
            EtcdEndpoint(host: "[::1]", port: 23790),
        ]))
    }

    func testBadAddressesAreRefusedWithTheirReason() {
        let refusals = [
            "dir:": "needs a path",
            "etcd://": "at least one HOST:PORT",
            "etcd://host": "no :PORT",
            "etcd://host:0": "no port in 1...65535",
            "etcd://host:2379,": "no :PORT",
            "etcd://:2379": "no host",
            "etcd://::1:2379": "no host",
            "etcd://host:2379/prefix": "no port",
            "/var/lib/coffer-realm": "expected dir:PATH or etcd://",
            "https://etcd:2379": "expected dir:PATH or etcd://",
        ]
        for (address, reason) in refusals {
            XCTAssertThrowsError(try RealmStoreAddress(address), address) { error in
                guard case RealmStoreError.invalidAddress(let refused, let why) = error else {
                    return XCTFail("\(address): expected .invalidAddress, got \(error)")
                }
                XCTAssertEqual(refused, address)
                XCTAssertTrue(why.contains(reason), "\(address): \(why)")
            }
        }
    }
}
