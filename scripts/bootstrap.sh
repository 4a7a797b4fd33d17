#!/usr/bin/env bash
# Installs what Coffer needs on Debian when it is missing; quiet and idempotent when all is there.
#   scripts/bootstrap.sh          build needs: pkg-config, libssl-dev, libusb-1.0-0-dev, libsodium-dev
#   scripts/bootstrap.sh test     also the test needs: umockdev, its GObject bindings, valgrind, rclone,
#                                 python-fido2, opaque-ke-py, etcd (below) and the QEMU board's toolchain (below)
#   scripts/bootstrap.sh realm    also etcd 3.4 (etcd-server: /usr/bin/etcd) for the realm's store
#   scripts/bootstrap.sh qemu     also the QEMU board's toolchain: gcc-arm-none-eabi, picolibc-arm-none-eabi,
#                                 qemu-system-arm (make firmware-qemu)
set -euo pipefail

want_debs=(pkg-config libssl-dev libusb-1.0-0-dev libsodium-dev)
if [ "${1:-}" = "test" ]; then
    want_debs+=(umockdev gir1.2-umockdev-1.0 python3-gi libumockdev-dev rclone)
    # valgrind: memcheck and its client-request header for the constant-time check (coffer-ctgrind).
    want_debs+=(valgrind)
    # openssl: the CLI makes the self-signed certificate of the front-end's TLS test.
    want_debs+=(openssl)
fi
if [ "${1:-}" = "realm" ] || [ "${1:-}" = "test" ]; then
    # etcd-server: the etcd:// store's tests start a 3-member cluster of it; make bench and the realm demo too.
    want_debs+=(etcd-server)
fi
if [ "${1:-}" = "qemu" ] || [ "${1:-}" = "test" ]; then
    want_debs+=(gcc-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm)
fi

missing=()
for pkg in "${want_debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "bootstrap: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "bootstrap: missing Debian packages. Run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

if [ "${1:-}" = "test" ]; then
    # python-fido2 is the independent CTAPHID host of the interop tests; pytest runs them. opaque-ke-py
    # wraps Meta's opaque-ke 4.0.1, the independent OPAQUE (ristretto255-SHA512, Argon2id) of OPAQUETests.
    for spec in fido2:fido2==2.2.1 pytest:pytest opaque_ke_py:opaque-ke-py==0.1.0; do
        module=${spec%%:*}
        if ! python3 -c "import $module" 2>/dev/null; then
            echo "bootstrap: installing ${spec#*:}" >&2
            python3 -m pip install -q --disable-pip-version-check "${spec#*:}" >&2
        fi
    done
fi
