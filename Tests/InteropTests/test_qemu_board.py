"""The firmware as ARM code: the QEMU board's image (make firmware-qemu, scripts/qemu) boots under
qemu-system-arm (mps2-an386, Cortex-M4) and answers CTAPHID. The image reads 64-byte OUT reports from
a file through semihosting, feeds them to the chip and writes the IN reports to another file; its DRBG
is seeded from a fixed seed file, so a run is deterministic. Each QEMU run is bounded by a timeout."""
import re
import pathlib
import subprocess
import tempfile

import pytest

from conftest import QEMU, qemu_image
REPORT = 64
BROADCAST = 0xFFFFFFFF
CTAPHID_INIT = 0x06
VAULT_GET_INFO = 0x40
P256_SHA256 = 0x01
LIFECYCLE_BLANK = 0

if QEMU is None:
    print("test_qemu_board: qemu-system-arm missing (scripts/bootstrap.sh qemu); skipping")
pytestmark = pytest.mark.skipif(QEMU is None, reason="qemu-system-arm missing: run scripts/bootstrap.sh qemu")


@pytest.fixture(scope="module")
def image() -> pathlib.Path:
    return qemu_image()


def frame(channel: int, command: int, payload: bytes) -> list:
    """CTAPHID framing: an init packet (57 payload bytes), then continuation packets (59 each)."""
    head = channel.to_bytes(4, "big") + bytes([0x80 | command]) + len(payload).to_bytes(2, "big")
    reports = [head + payload[:57]]
    rest, seq = payload[57:], 0
    while rest:
        reports.append(channel.to_bytes(4, "big") + bytes([seq]) + rest[:59])
        rest, seq = rest[59:], seq + 1
    return [r.ljust(REPORT, b"\0") for r in reports]


def messages(data: bytes) -> list:
    """Reassembles the IN reports into (channel, command, payload) messages."""
    assert len(data) % REPORT == 0
    reports = [data[i:i + REPORT] for i in range(0, len(data), REPORT)]
    out, i = [], 0
    while i < len(reports):
        r = reports[i]
        channel, command = int.from_bytes(r[:4], "big"), r[4]
        assert command & 0x80, f"expected an init packet, got {r.hex()}"
        length = int.from_bytes(r[5:7], "big")
        payload = r[7:7 + length]
        i += 1
        while len(payload) < length:
            assert int.from_bytes(reports[i][:4], "big") == channel
            payload += reports[i][5:5 + length - len(payload)]
            i += 1
        out.append((channel, command & 0x7F, bytes(payload)))
    return out


def run_image(image: pathlib.Path, reports: list) -> list:
    with tempfile.TemporaryDirectory(prefix="coffer-qemu-") as tmp:
        tmp_path = pathlib.Path(tmp)
        (tmp_path / "seed").write_bytes(bytes(range(32)))
        (tmp_path / "in").write_bytes(b"".join(reports))
        result = subprocess.run(
            [QEMU, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
             "-semihosting-config", "enable=on,target=native", "-kernel", str(image), "-append", "seed in out"],
            cwd=tmp_path, capture_output=True, timeout=120,
        )
        assert result.returncode == 0, f"image exited {result.returncode}: {result.stdout!r} {result.stderr!r}"
        CONSOLE[:] = [result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")]
        return messages((tmp_path / "out").read_bytes())


CONSOLE = [""]


def high_water(name: str) -> int:
    """The image's own measure at exit (startup.c): stack painted at reset, heap as picolibc's break."""
    match = re.search(rf"coffer-qemu: {name} high-water bytes (\d+)", CONSOLE[0])
    assert match, f"no {name} high-water mark in {CONSOLE[0]!r}"
    return int(match.group(1))


def static_ram(image: pathlib.Path) -> int:
    sections = subprocess.run(["arm-none-eabi-size", "-A", str(image)], check=True, capture_output=True,
                              text=True).stdout
    return sum(int(line.split()[1]) for line in sections.splitlines()
               if line.split()[:1] in ([".data"], [".bss"]))


NONCE = bytes.fromhex("0102030405060708")


def test_init_answers_from_arm_code(image):
    [(channel, command, payload)] = run_image(image, frame(BROADCAST, CTAPHID_INIT, NONCE))
    assert (channel, command) == (BROADCAST, CTAPHID_INIT)
    assert len(payload) == 17 and payload[:8] == NONCE
    assigned = int.from_bytes(payload[8:12], "big")
    assert assigned not in (0, BROADCAST)
    assert payload[12] == 2  # CTAPHID protocol version
    assert payload[16] & 0x01 and payload[16] & 0x08  # WINK, NMSG


def test_get_info_says_blank_p256(image):
    # The seed is fixed, so the channel INIT assigns is too: learn it, then run again with GetInfo on it.
    [(_, _, init)] = run_image(image, frame(BROADCAST, CTAPHID_INIT, NONCE))
    channel = int.from_bytes(init[8:12], "big")
    replies = run_image(image, frame(BROADCAST, CTAPHID_INIT, NONCE) + frame(channel, VAULT_GET_INFO, bytes([2])))
    assert replies[0][2] == init
    [(reply_channel, command, payload)] = replies[1:]
    assert (reply_channel, command) == (channel, VAULT_GET_INFO)
    status, body = payload[0], payload[1:]
    assert status == 0, f"GetInfo status {status}"
    assert body[0] == 2  # protocol version
    assert body[12] == LIFECYCLE_BLANK  # after version (1), firmware version (3), serial (8)
    assert body[-2] == P256_SHA256  # suite, then device kind


VAULT_MANUFACTURE = 0x50
VAULT_PROVISION = 0x51
LIFECYCLE_OPERATIONAL = 3


def short_fields(body: bytes, offset: int, count: int) -> list:
    fields = []
    for _ in range(count):
        length = body[offset]
        fields.append(body[offset + 1:offset + 1 + length])
        offset += 1 + length
    return fields


def test_manufacture_provision_then_operational(image):
    [(_, _, init)] = run_image(image, frame(BROADCAST, CTAPHID_INIT, NONCE))
    channel = int.from_bytes(init[8:12], "big")
    serial = 0x0102030405060708
    replies = run_image(image, frame(BROADCAST, CTAPHID_INIT, NONCE)
                        + frame(channel, VAULT_MANUFACTURE, bytes([2]) + serial.to_bytes(8, "big"))
                        + frame(channel, VAULT_PROVISION, bytes([2, 5, 10]))
                        + frame(channel, VAULT_GET_INFO, bytes([2])))
    [manufacture, provision, info] = replies[1:]
    assert manufacture[1] == VAULT_MANUFACTURE and manufacture[2][0] == 0, f"Manufacture {manufacture[2].hex()}"
    assert provision[1] == VAULT_PROVISION and provision[2][0] == 0, f"Provision {provision[2].hex()}"
    assert info[1] == VAULT_GET_INFO and info[2][0] == 0
    body = info[2][1:]
    assert int.from_bytes(body[4:12], "big") == serial
    assert body[12] == LIFECYCLE_OPERATIONAL
    assert (body[21], body[22]) == (5, 10)  # default and max attempt limits, after four UInt16 counts
    ake, identity, signature = short_fields(body, 23, 3)
    assert len(ake) == 33 and ake[0] in (2, 3)  # compressed P-256 points, computed on the ARM core
    assert len(identity) == 33 and identity[0] in (2, 3)
    assert len(signature) == 64
    assert body[-2] == P256_SHA256
    # The identity statement, signed by ECDSA P-256 on the ARM core, verifies on the host (pyca/cryptography).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    kind = body[-1]
    message = b"coffer/v2/device-identity" + serial.to_bytes(8, "big") + bytes([kind]) + ake
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), identity)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    # Peak RAM of this run (P-256 key generation and signing included) against the 96 KiB target.
    stack, heap = high_water("stack"), high_water("heap")
    peak = static_ram(image) + stack + heap
    print(f"\nQEMU board peak RAM: {peak} bytes (data+bss {static_ram(image)}, stack {stack}, heap {heap})")
    assert stack < 16 * 1024  # the stack link.ld reserves
    assert peak <= 96 * 1024
