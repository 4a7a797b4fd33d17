#!/usr/bin/env bash
# Builds the QEMU board's image (mps2-an386, Cortex-M4): the Embedded Swift objects of
# scripts/firmware-embedded.sh (rebuilt when a source is newer), scripts/qemu/*.swift with the board
# memories of scripts/board (module QemuBoard), scripts/qemu/*.c and link.ld, linked with Debian's
# arm-none-eabi-gcc and picolibc.
# Prints flash (text + data) and RAM (data + bss, plus the stack reserved; the heap is the rest of
# SRAM) against the targets 256 KiB flash / 96 KiB RAM. Output: .build-qemu/coffer-qemu.elf
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in arm-none-eabi-gcc arm-none-eabi-size; do
    command -v "$tool" >/dev/null || { echo "firmware-qemu: $tool missing; run scripts/bootstrap.sh qemu" >&2; exit 1; }
done
emb=.build-embedded
out=.build-qemu
mkdir -p "$out"
modules=(CTAPHID CofferProtocol OPAQUE CofferFirmware CofferPureCrypto)
stale=0
for m in "${modules[@]}"; do [ -f "$emb/$m.o" ] || stale=1; done
if [ $stale = 0 ] && [ -n "$(find Sources/CTAPHID Sources/CofferProtocol Sources/OPAQUE Firmware \
        Sources/CofferPureCrypto -name '*.swift' -newer "$emb/CofferPureCrypto.o" | head -1)" ]; then
    stale=1
fi
[ $stale = 1 ] || [ ! scripts/firmware-embedded.sh -nt "$emb/CofferPureCrypto.o" ] || stale=1
[ $stale = 0 ] || scripts/firmware-embedded.sh >/dev/null
swiftc -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -Xfrontend -function-sections \
    -warnings-as-errors -I "$emb" -I scripts/qemu/include -module-name QemuBoard -c scripts/qemu/*.swift scripts/board/*.swift \
    -o "$out/QemuBoard.o"
cflags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=soft --specs=picolibc.specs --oslib=semihost -Os -ffunction-sections -fno-short-enums)
objects=("$out/QemuBoard.o")
for c in scripts/qemu/*.c; do
    arm-none-eabi-gcc "${cflags[@]}" -Wall -Werror -I scripts/qemu/include -c "$c" -o "$out/$(basename "$c" .c).o"
    objects+=("$out/$(basename "$c" .c).o")
done
for m in "${modules[@]}"; do objects+=("$emb/$m.o"); done
# String comparison in the protocol code pulls in Unicode normalisation: the Embedded stdlib's tables.
swiftlib=$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/embedded/armv7em-none-none-eabi
objects+=("$swiftlib/libswiftUnicodeDataTables.a")
arm-none-eabi-gcc "${cflags[@]}" -nostartfiles -T scripts/qemu/link.ld -Wl,--gc-sections -Wl,--no-enum-size-warning -Wl,--no-warn-execstack \
    -Wl,-Map="$out/coffer-qemu.map" "${objects[@]}" -o "$out/coffer-qemu.elf"
read -r text data bss _ < <(arm-none-eabi-size "$out/coffer-qemu.elf" | tail -1)
stack=$((16 * 1024))
echo "firmware-qemu: $out/coffer-qemu.elf (mps2-an386, Cortex-M4)"
printf '  flash: %7d bytes (text %d + data %d), %3d KiB of the 256 KiB target\n' \
    $((text + data)) "$text" "$data" $(((text + data + 1023) / 1024))
printf '  RAM:   %7d bytes (data %d + bss %d + stack %d reserved), %3d KiB of the 96 KiB target, plus heap\n' \
    $((data + bss + stack)) "$data" "$bss" "$stack" $(((data + bss + stack + 1023) / 1024))
echo "  peak RAM (stack and heap high-water marks) is printed by the image on its console as it grows; see test_qemu_bridge.py"
