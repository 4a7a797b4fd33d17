"""End to end on ARM code: `coffer-emulator --board qemu` starts QEMU (mps2-an386) on the board's image
and bridges UDP to its UART, so cofferctl and python-fido2 talk to the firmware executing as Cortex-M4
code, with its memories in semihosting files of the state dir and its clock SysTick. Bounded: a login
on the pure-Swift engine under QEMU's TCG takes about a second, so guess limits are small."""
import json
import os
import pathlib
import re
import signal
import subprocess
import tempfile

import pytest
from fido2.hid import CTAPHID

from conftest import QEMU, emulator_binary, qemu_image, wait_for_ready
from test_fido2_ctaphid import open_device
from test_qemu_board import static_ram

pytestmark = pytest.mark.skipif(QEMU is None, reason="qemu-system-arm missing: run scripts/bootstrap.sh qemu")

PASSWORD = "correct horse battery staple\n"


class Board:
    """One run of the bridge on a state dir: started, waited for through its ready file, stopped."""

    def __init__(self, state: pathlib.Path, image: pathlib.Path):
        self.state, self.image = state, image
        ready = state.parent / "ready.json"
        self.process = subprocess.Popen(
            [str(emulator_binary()), "--board", "qemu", "--image", str(image), "--state-dir", str(state),
             "--port", "0", "--ready-file", str(ready), "--seed", "00" * 32, "--attempt-limit", "2"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COFFER_RUNTIME_DIR": str(state.parent / "runtime")},
        )
        self.ready = wait_for_ready(ready, self.process)
        self.device = f"udp://127.0.0.1:{self.ready['port']}"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        _, self.stderr = self.process.communicate(timeout=30)
        return self.process.returncode

    def peak_ram(self) -> int:
        """Static RAM plus the last stack and heap high-water marks the board printed (startup.c)."""
        stack = re.findall(r"coffer-qemu: stack high-water bytes (\d+)", self.stderr)
        heap = re.findall(r"coffer-qemu: heap high-water bytes (\d+)", self.stderr)
        assert stack and heap, self.stderr
        return static_ram(self.image) + int(stack[-1]) + int(heap[-1])


@pytest.fixture(scope="module")
def image() -> pathlib.Path:
    return qemu_image()


@pytest.fixture
def scratch():
    with tempfile.TemporaryDirectory(prefix="coffer-qemu-bridge-") as tmp:
        yield pathlib.Path(tmp)


@pytest.fixture
def board(scratch, image):
    running = Board(scratch / "state", image)
    yield running
    if running.process.poll() is None:
        running.stop()


def cofferctl(scratch: pathlib.Path, *arguments: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    binary = emulator_binary().parent / "cofferctl"
    return subprocess.run([str(binary), *arguments], input=password, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COFFER_PIN_DIR": str(scratch / "pins")})


def test_python_fido2_init_ping_wink_over_the_bridge(board):
    device = open_device(board.ready["port"])
    assert device.version == 2
    assert device._channel_id not in (0, 0xFFFFFFFF)
    assert device.capabilities & 0x01 and device.capabilities & 0x08  # WINK, NMSG
    # Up to 1,024 bytes (18 packets): a message must arrive within CTAPHID's 1 s of its init packet, and
    # each report crosses QEMU's UART byte by byte (about 1.5 ms per report here, far more on a loaded
    # host), so the 129 packets of a 7,609-byte PING would race that deadline. Vault messages are smaller.
    for size in (0, 1, 57, 58, 1024):
        payload = bytes((i * 7 + size) & 0xFF for i in range(size))
        assert device.ping(payload) == payload, size
    assert device.call(CTAPHID.WINK) == b""


def test_an_unfinished_message_times_out_on_the_board_clock(board):
    # The init packet of a two-packet PING, and no continuation: only the board's SysTick clock can end
    # the transaction, with ERR_MSG_TIMEOUT on the channel.
    # On the socket that opened the channel: the bridge routes a channel's reports to its opener only.
    device = open_device(board.ready["port"])
    channel, sock = device._channel_id, device._connection.sock
    sock.send((channel.to_bytes(4, "big") + bytes([0x81, 0, 100]) + bytes(57)).ljust(64, b"\0"))
    reply = sock.recv(64)
    assert int.from_bytes(reply[:4], "big") == channel
    assert reply[4] == 0x80 | CTAPHID.ERROR and reply[7] == 0x05  # ERR_MSG_TIMEOUT


def test_register_recover_then_wrong_guesses_to_destruction(board, scratch):
    device = ["--device", board.device, "--json"]
    registered = cofferctl(scratch, *device, "register", "--id", "alice", "--password-stdin")
    assert registered.returncode == 0, registered.stderr
    key = json.loads(registered.stdout)["key"]
    assert json.loads(registered.stdout)["attemptLimit"] == 2
    recovered = cofferctl(scratch, *device, "recover", "--id", "alice", "--password-stdin")
    assert recovered.returncode == 0, recovered.stderr
    assert json.loads(recovered.stdout)["key"] == key

    first = cofferctl(scratch, *device, "recover", "--id", "alice", "--password-stdin", password="nope\n")
    assert first.returncode == 10 and "1 attempt remaining" in first.stderr, first.stderr
    last = cofferctl(scratch, *device, "recover", "--id", "alice", "--password-stdin", password="nope\n")
    assert last.returncode == 11 and "last attempt" in last.stderr, last.stderr
    afterwards = cofferctl(scratch, *device, "recover", "--id", "alice", "--password-stdin")
    assert afterwards.returncode == 11, "even the right password finds the key destroyed"
    # Peak RAM over registration and logins (OPAQUE on the pure engine) against the 96 KiB target.
    assert board.stop() == 0
    print(f"\nQEMU board peak RAM over register and logins: {board.peak_ram()} bytes")
    assert board.peak_ram() <= 96 * 1024


def test_a_restart_of_qemu_keeps_records_and_spent_guesses(board, scratch, image):
    device = ["--device", board.device, "--json"]
    registered = cofferctl(scratch, *device, "register", "--id", "bob", "--password-stdin")
    assert registered.returncode == 0, registered.stderr
    key = json.loads(registered.stdout)["key"]
    wrong = cofferctl(scratch, *device, "recover", "--id", "bob", "--password-stdin", password="nope\n")
    assert wrong.returncode == 10 and "1 attempt remaining" in wrong.stderr, wrong.stderr
    serial = board.ready["serial"]
    assert board.stop() == 0

    again = Board(board.state, image)
    try:
        assert again.ready["serial"] == serial
        device = ["--device", again.device, "--json"]
        # The wrong guess before the restart still counts: one left, and it is the last.
        last = cofferctl(scratch, *device, "recover", "--id", "bob", "--password-stdin", password="nope\n")
        assert last.returncode == 11 and "last attempt" in last.stderr, last.stderr
    finally:
        again.stop()

    third = Board(board.state, image)
    try:
        destroyed = cofferctl(scratch, "--device", third.device, "recover", "--id", "bob", "--password-stdin")
        assert destroyed.returncode == 11, destroyed.stderr
        assert key not in destroyed.stdout
    finally:
        third.stop()


def start_refused(state: pathlib.Path, image: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(emulator_binary()), "--board", "qemu", "--image", str(image), "--state-dir", str(state), "--port", "0"],
        capture_output=True, text=True, timeout=60)


def test_damaged_or_missing_board_files_are_refused_never_reset(board, image):
    assert board.stop() == 0
    counters = board.state / "qemu-counters.bin"
    good = counters.read_bytes()
    damaged = bytearray(good)
    damaged[8 + 8 * 3] ^= 0x01  # counter 3 (the boot counter): its value no longer matches its complement
    counters.write_bytes(bytes(damaged))
    refused = start_refused(board.state, image)
    assert refused.returncode == 65, refused.stderr
    assert "qemu-counters.bin: counter 3 is damaged" in refused.stderr
    assert counters.read_bytes() == bytes(damaged), "the damaged file is left as it was"

    counters.unlink()
    refused = start_refused(board.state, image)
    assert refused.returncode == 65, refused.stderr
    assert "qemu-fuses.bin is here but qemu-counters.bin is missing" in refused.stderr
    assert not counters.exists(), "no new counters are made for a device that had some"

    fuses = board.state / "qemu-fuses.bin"
    counters.write_bytes(bytes(damaged[:20]))
    refused = start_refused(board.state, image)
    assert refused.returncode == 65 and "qemu-counters.bin holds 20 bytes" in refused.stderr, refused.stderr
    assert fuses.exists()

    counters.write_bytes(good)
    burned = bytearray(fuses.read_bytes())
    burned[20] ^= 0x80  # a bit of the UDS
    fuses.write_bytes(bytes(burned))
    refused = start_refused(board.state, image)
    assert refused.returncode == 65 and "qemu-fuses.bin is damaged" in refused.stderr, refused.stderr
    assert fuses.read_bytes() == bytes(burned)


def test_a_native_emulators_state_dir_is_refused(scratch, image):
    state = scratch / "native"
    made = subprocess.run([str(emulator_binary()), "init", "--state-dir", str(state), "--seed", "01"],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    before = sorted(path.name for path in state.iterdir())
    refused = start_refused(state, image)
    assert refused.returncode == 65 and "holds the native emulator's device" in refused.stderr, refused.stderr
    assert sorted(path.name for path in state.iterdir()) == before, "nothing of the board's is added"


def qemu_of(bridge: subprocess.Popen) -> int:
    """The pid of the QEMU the bridge started (its only child)."""
    children = pathlib.Path(f"/proc/{bridge.pid}/task/{bridge.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def test_the_bridge_stops_with_a_failure_when_qemu_dies(board):
    os.kill(qemu_of(board.process), signal.SIGKILL)
    _, stderr = board.process.communicate(timeout=30)
    assert board.process.returncode == 1, stderr
    assert "the QEMU board exited with status 137" in stderr


def test_a_qemu_left_by_a_killed_bridge_keeps_the_state_dir_locked(board, image):
    qemu = qemu_of(board.process)
    board.process.kill()
    board.process.wait(timeout=30)
    try:
        refused = start_refused(board.state, image)
        assert refused.returncode == 75 and "in use" in refused.stderr, refused.stderr
    finally:
        os.kill(qemu, signal.SIGKILL)
