// swift-tools-version:6.0
// Coffer's libFuzzer executable. Built only by scripts/fuzz.sh (`make fuzz`), with
// `-sanitize=fuzzer,address` and its own scratch path, because it links only under that flag; the root
// package's normal builds never see it. The fuzz targets themselves live in the root package's
// CofferFuzzHarness library, where FuzzRegressionTests replays their kept inputs.
import Foundation
import PackageDescription

// A package found by path is known by its directory's name, which depends on where the repository
// was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "CofferFuzz",
    dependencies: [
        .package(path: root.path),
    ],
    targets: [
        // libFuzzer's driver entry point, declared for Swift.
        .target(name: "CFuzzDriver", path: "Sources/CFuzzDriver"),
        .executableTarget(
            name: "coffer-fuzz",
            dependencies: [
                "CFuzzDriver",
                .product(name: "CofferFuzzHarness", package: rootIdentity),
            ],
            path: "Sources/coffer-fuzz"
        ),
    ]
)
