#!/bin/sh
# `make test`: Coffer used as a library. A tiny package in a temporary directory outside the repo
# depends on Coffer by path, imports CofferTesting, and registers, recovers and counts guesses
# against the in-process device. Its build goes to .build/library-consumer, so a rerun only
# compiles what changed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SWIFT=${SWIFT:-swift}
SCRATCH="$ROOT/.build/library-consumer"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-library-consumer-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
# A path dependency is known by its directory's name.
IDENTITY=$(basename "$ROOT")

mkdir -p "$WORK/Sources/consumer"
cat > "$WORK/Package.swift" <<EOF
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "consumer",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "$ROOT")],
    targets: [
        .executableTarget(
            name: "consumer", dependencies: [.product(name: "CofferTesting", package: "$IDENTITY")])
    ]
)
EOF
# The README's example ("Coffer as a library"), with checks.
cat > "$WORK/Sources/consumer/main.swift" <<'EOF'
import CofferTesting

let device = try TestDevice.inMemory()
let key = BackupKey.generate()
try device.register(id: "alice", password: "correct horse", key: key, attemptLimit: 3)
let recovered = try device.recover(id: "alice", password: "correct horse")
precondition(recovered == key, "the recovered key differs")
do {
    _ = try device.recover(id: "alice", password: "wrong")
    preconditionFailure("a wrong password recovered a key")
} catch VaultError.wrongPassword(let remaining) {
    precondition(remaining == 2, "attempts remaining: \(String(describing: remaining))")
}
let counters = try device.counters()
precondition(counters.usedSlots.map(\.attempts) == [3], "counters: \(counters)")
print("library consumer: registered, recovered, a wrong guess counted (\(counters.usedSlots.count) slot used)")
EOF

start=$(date +%s)
"$SWIFT" build --package-path "$WORK" --scratch-path "$SCRATCH" --product consumer
"$SCRATCH/debug/consumer"
echo "library consumer: built and ran in $(( $(date +%s) - start )) s"
