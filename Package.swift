// swift-tools-version:6.0
// Coffer: an HSM emulator and host tools for password-protected backup keys.
import PackageDescription

/// The portable modules (firmware and the pure protocol code it uses) are also compiled as
/// Embedded Swift by `make firmware-embedded`; they import the standard library only.
let package = Package(
    name: "Coffer",
    platforms: [.macOS(.v13)],
    products: [
        // For apps and scripts: the vault client, the transports (udp, usb, embedded) and backup files.
        .library(name: "CofferHost", targets: ["CofferHost"]),
        // For test suites: a device in-process (memory or a state dir) with a small API over CofferHost.
        .library(name: "CofferTesting", targets: ["CofferTesting"]),
        // For the libFuzzer executables in Fuzz/, a package of its own built with -sanitize=fuzzer.
        .library(name: "CofferFuzzHarness", targets: ["CofferFuzzHarness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The realm's front-end (issue 13): HTTP(S) server, client to the agents, Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Pure, portable (Embedded Swift subset).
        .target(name: "CTAPHID", path: "Sources/CTAPHID"),
        .target(name: "CofferProtocol", path: "Sources/CofferProtocol"),
        .target(name: "OPAQUE", path: "Sources/OPAQUE"),
        .target(
            name: "CofferFirmware",
            dependencies: ["CTAPHID", "CofferProtocol", "OPAQUE"],
            path: "Firmware"
        ),

        // The chip's memories in RAM (fuses, counters, flash, clock, power cuts) for tests, the host's
        // in-process device and benchmarks.
        .target(name: "CofferMemoryChip", dependencies: ["CofferFirmware"], path: "Sources/CofferMemoryChip"),

        // System libraries.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            path: "Sources/CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CLibUSB",
            path: "Sources/CLibUSB",
            pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]
        ),

        // The chip's crypto engine on a PC: the only module that imports COpenSSL and CSodium. It implements the
        // crypto seams of OPAQUE (the ciphersuite) and of the firmware (its CryptoEngine HAL).
        .target(
            name: "CofferCrypto", dependencies: ["COpenSSL", "CSodium", "OPAQUE", "CofferFirmware"],
            path: "Sources/CofferCrypto"
        ),

        // The chip's crypto engine in plain Swift for boards without OpenSSL (Embedded-clean, standard library only):
        // SHA-256, HMAC/HKDF, AES-256-GCM, P-256, ECDSA, the OPAQUE P256-SHA256 suite and a CryptoEngine.
        .target(name: "CofferPureCrypto", dependencies: ["OPAQUE", "CofferFirmware"], path: "Sources/CofferPureCrypto"),
        // Valgrind client requests (mark secrets undefined) for the constant-time check, and its program.
        .target(name: "CValgrindShim", path: "Sources/CValgrindShim"),
        // recvmmsg/sendmmsg, which Glibc's Swift module does not expose, for the UDP links' batches.
        .target(name: "CDatagramBatch", path: "Sources/CDatagramBatch"),
        .executableTarget(
            name: "coffer-ctgrind", dependencies: ["CofferPureCrypto", "CValgrindShim"], path: "Sources/coffer-ctgrind"
        ),

        // The chip's body on a PC (files for fuses, counters and flash; UDP for USB) and its executable.
        .target(
            name: "CofferEmulator",
            dependencies: [
                "CofferFirmware", "CofferCrypto", "CTAPHID", "CofferProtocol", "OPAQUE", "CDatagramBatch",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/CofferEmulator"
        ),
        .executableTarget(
            name: "coffer-emulator",
            dependencies: [
                "CofferEmulator", "CofferCrypto", "CofferProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/coffer-emulator"
        ),
        // The test-vector checker behind OPAQUETests and `cofferctl dev vectors`.
        .target(name: "CofferVectors", dependencies: ["OPAQUE", "CofferCrypto", "CofferPureCrypto"], path: "Sources/CofferVectors"),

        // `make bench`: release-built figures, each beside its reference (Benchmarks/run.py).
        .executableTarget(
            name: "coffer-bench",
            dependencies: [
                "CofferCrypto", "OPAQUE", "CofferFirmware", "CofferMemoryChip", "CofferProtocol", "CofferHost",
                "CofferPureCrypto", "CofferRealmStore", "CofferEtcdCluster", "CofferEmulator", "CofferFrontendLink",
            ],
            path: "Benchmarks/coffer-bench"
        ),
        // The trivial executable beside which `make bench` times the emulator's start.
        .executableTarget(name: "coffer-noop", path: "Benchmarks/coffer-noop"),
        // The same plus the first OpenSSL 3 calls a booting chip makes: the floor of the emulator's start.
        .executableTarget(name: "coffer-noop-crypto", dependencies: ["CofferCrypto"], path: "Benchmarks/coffer-noop-crypto"),

        // The realm's untrusted store (REALM.md): a log per group with a conditional append, blobs and
        // discovery; backends `dir:` and `etcd://` (issue 13).
        .target(
            name: "CofferRealmStore",
            dependencies: [
                "CofferCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/CofferRealmStore"
        ),
        // A 3-member etcd cluster on loopback (OS-chosen ports, temp data dirs) for the store's tests,
        // `make bench` and the realm demo.
        .target(name: "CofferEtcdCluster", path: "Tests/CofferEtcdCluster"),
        // What the realm's front-end and its clients share: the access token (ES256 JWT) and the record
        // id an account owns.
        .target(name: "CofferRealmAccess", dependencies: ["CofferCrypto"], path: "Sources/CofferRealmAccess"),
        // The realm's front-end (the product's "ChatD"): authenticates accounts, pins each to its own
        // record id and channel, rate-limits, and forwards vault messages to the group's leader agent.
        .target(
            name: "CofferFrontend",
            dependencies: [
                "CofferRealmAccess", "CofferRealmStore", "CofferProtocol", "CofferCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Sources/CofferFrontend"
        ),
        .executableTarget(
            name: "coffer-frontend",
            dependencies: [
                "CofferFrontend", "CofferRealmAccess", "CofferRealmStore", "CofferCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/coffer-frontend"
        ),
        // The host agent beside each realm member (issue 13): leads, witnesses and takes over, over the
        // store and HTTP between agents; untrusted (safety is in the members), it gives liveness.
        .target(
            name: "CofferRealmAgent",
            dependencies: [
                "CofferFirmware", "CofferProtocol", "CofferRealmStore", "CofferCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/CofferRealmAgent"
        ),
        .executableTarget(
            name: "coffer-agent",
            dependencies: [
                "CofferRealmAgent", "CofferRealmStore", "CofferFirmware", "CofferCrypto", "CofferEmulator",
                "CofferHost", "CTAPHID",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/coffer-agent"
        ),

        // The host side: transports (udp, usb, embedded), the vault client, the backup file format, and
        // the CLI on top of it.
        .target(
            name: "CofferHost",
            dependencies: [
                "CTAPHID", "CofferProtocol", "OPAQUE", "CofferCrypto", "CLibUSB", "CofferFirmware",
                "CofferMemoryChip", "CofferEmulator", "CofferVectors", "CDatagramBatch", "CofferRealmAccess",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/CofferHost"
        ),
        // The client's link to a realm's front-end over HTTP(S), apart from CofferHost so that a package
        // using CofferHost does not build an HTTP client and its TLS stack.
        .target(
            name: "CofferFrontendLink",
            dependencies: [
                "CofferHost", "CTAPHID",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/CofferFrontendLink"
        ),
        // A device in-process for other packages' tests (README, "Coffer as a library").
        .target(
            name: "CofferTesting", dependencies: ["CofferHost", "CofferProtocol", "OPAQUE"],
            path: "Sources/CofferTesting"
        ),
        .executableTarget(
            name: "cofferctl",
            dependencies: [
                "CofferHost", "CofferFrontendLink", "CofferCrypto", "CofferRealmAccess", "CofferFirmware",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "HostTools/cofferctl"
        ),

        // Fuzz targets as plain functions of bytes: run by libFuzzer from Fuzz/, replayed by FuzzRegressionTests.
        .target(
            name: "CofferFuzzHarness",
            dependencies: ["CTAPHID", "CofferProtocol", "OPAQUE", "CofferFirmware", "CofferMemoryChip", "CofferCrypto"],
            path: "Sources/CofferFuzzHarness"
        ),

        // Tests: one target per module, plus end-to-end and interop.
        .testTarget(name: "CTAPHIDTests", dependencies: ["CTAPHID"]),
        .testTarget(name: "CofferCryptoTests", dependencies: ["CofferCrypto"]),
        .testTarget(name: "OPAQUETests", dependencies: ["OPAQUE", "CofferCrypto", "CofferVectors"],
                    resources: [.copy("Vectors")]),
        // What tests of the built emulator share: the child process, a CTAPHID host over UDP, a vault
        // client, temporary directories.
        .target(
            name: "CofferTestSupport",
            dependencies: ["CofferEmulator", "CTAPHID", "CofferProtocol", "CofferCrypto", "OPAQUE"],
            path: "Tests/CofferTestSupport"
        ),
        .testTarget(
            name: "CofferEmulatorTests",
            dependencies: [
                "CofferEmulator", "coffer-emulator", "CTAPHID", "CofferProtocol", "CofferCrypto", "OPAQUE",
                "CofferTestSupport",
            ]
        ),
        // Storms, concurrency and a blind relay against the built emulator (docs/THREATS.md).
        .testTarget(
            name: "AdversaryTests",
            dependencies: [
                "CofferEmulator", "coffer-emulator", "cofferctl", "CTAPHID", "CofferProtocol", "CofferCrypto", "OPAQUE",
                "CofferTestSupport",
            ]
        ),
        .testTarget(
            name: "CofferPureCryptoTests",
            dependencies: [
                "CofferPureCrypto", "CofferCrypto", "CofferVectors", "OPAQUE", "CofferFirmware", "CofferMemoryChip",
                "CofferProtocol", "CofferHost", "coffer-ctgrind",
            ]
        ),
        .testTarget(name: "CofferProtocolTests", dependencies: ["CofferProtocol"]),
        // Power cuts at every durable write, rollback and tamper of the state files (`make crash-test`
        // runs the full sweep on the built emulator).
        .testTarget(
            name: "FaultInjectionTests",
            dependencies: [
                "CofferTestSupport", "CofferEmulator", "coffer-emulator", "CofferFirmware", "CofferMemoryChip",
                "CofferCrypto", "CofferProtocol", "OPAQUE",
            ]
        ),
        .testTarget(
            name: "CofferFirmwareTests",
            dependencies: ["CofferFirmware", "CofferMemoryChip", "CofferCrypto", "CofferProtocol", "OPAQUE"]
        ),
        .testTarget(
            name: "CofferHostTests",
            dependencies: ["CofferHost", "CofferCrypto", "CTAPHID", "CofferTestSupport", "CofferTesting"]
        ),
        .testTarget(
            name: "EndToEndTests", dependencies: ["cofferctl", "coffer-emulator", "CofferTestSupport"], exclude: ["USB"]
        ),
        // The front-end refusing bad input with nothing forwarded, routing, metrics, TLS (issue 13).
        .testTarget(
            name: "CofferFrontendTests",
            dependencies: [
                "CofferFrontend", "CofferRealmAccess", "CofferRealmStore", "CofferCrypto", "CofferProtocol",
                "CofferHost", "CofferFrontendLink", "CofferFirmware", "CTAPHID", "OPAQUE", "cofferctl", "coffer-frontend",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Realm agents over loopback HTTP with memory-chip members and an in-memory store.
        .testTarget(
            name: "CofferRealmAgentTests",
            dependencies: [
                "CofferRealmAgent", "CofferRealmStore", "CofferFirmware", "CofferMemoryChip", "CofferCrypto",
                "CofferProtocol", "OPAQUE", "CofferHost",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The realm as processes: emulator members, the ceremony by cofferctl, agents on a store, a front-end.
        .testTarget(
            name: "RealmSystemTests",
            dependencies: [
                "CofferTestSupport", "CofferEtcdCluster", "coffer-emulator", "coffer-agent", "coffer-frontend", "cofferctl",
                "CofferProtocol", "CofferRealmAccess",
            ]
        ),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["CofferFuzzHarness", "CofferProtocol"]),
        // The store contract against both backends (dir: and a real 3-member etcd), races, failover.
        .testTarget(name: "CofferRealmStoreTests", dependencies: ["CofferRealmStore", "CofferEtcdCluster", "CofferCrypto"]),
    ]
)
