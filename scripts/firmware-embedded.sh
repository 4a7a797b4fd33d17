#!/usr/bin/env bash
# Compiles the portable modules (CTAPHID, CofferProtocol, OPAQUE, CofferFirmware, CofferPureCrypto) as
# Embedded Swift for a Cortex-M (armv7em-none-none-eabi), warnings as errors, and prints each object's size.
# Then compiles scripts/embedded with the board memories of scripts/board (EmbeddedBoard): the whole CofferChip on a compile-only board with the
# pure-Swift crypto engine, so generic firmware code is specialised on real crypto and checked too; its
# object approximates a firmware image.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-embedded
rm -rf "$out" && mkdir -p "$out"
flags=(-target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -parse-as-library
       -Osize -warnings-as-errors -Xfrontend -function-sections -I "$out")

compile() { # module-name source-dir...
    local name=$1
    shift
    mapfile -t files < <(find "$@" -name '*.swift' | sort)
    swiftc "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$out/$name.swiftmodule" \
        -c "${files[@]}" -o "$out/$name.o"
}
compile CTAPHID Sources/CTAPHID
compile CofferProtocol Sources/CofferProtocol
compile OPAQUE Sources/OPAQUE
compile CofferFirmware Firmware
compile CofferPureCrypto Sources/CofferPureCrypto
compile EmbeddedBoard scripts/embedded scripts/board
echo "firmware-embedded: armv7em-none-none-eabi objects (bytes):"
size "$out"/*.o | sed 's/^/  /'
echo "  EmbeddedBoard.o is the whole CofferChip specialised on a compile-only board with CofferPureCrypto's engine;"
echo "  with the objects it uses it approximates a firmware image (before the linker drops what is unused)."
