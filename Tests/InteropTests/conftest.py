"""Starts the built coffer-emulator on port 0 and waits on its ready file (no fixed port, no sleep)."""
import json
import os
import pathlib
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def emulator_binary() -> pathlib.Path:
    explicit = os.environ.get("COFFER_EMULATOR")
    if explicit:
        return pathlib.Path(explicit)
    bin_path = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    return pathlib.Path(bin_path) / "coffer-emulator"


def wait_for_ready(path: pathlib.Path, process: subprocess.Popen, deadline_s: float = 60.0) -> dict:
    """Waits for the emulator's ready file by watching the process, bounded by a deadline."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if path.exists():
            return json.loads(path.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"coffer-emulator exited with {process.returncode}: {process.stderr.read()}")
        # Block on the emulator's stderr pipe for a moment instead of sleeping blindly.
        select.select([process.stderr], [], [], 0.05)
    raise TimeoutError("coffer-emulator did not publish its ready file")


@pytest.fixture
def emulator():
    with tempfile.TemporaryDirectory(prefix="coffer-interop-") as tmp:
        tmp_path = pathlib.Path(tmp)
        ready = tmp_path / "ready.json"
        process = subprocess.Popen(
            [str(emulator_binary()), "--state-dir", str(tmp_path / "state"), "--port", "0",
             "--ready-file", str(ready), "--seed", "00" * 32],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        try:
            yield wait_for_ready(ready, process)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


QEMU = shutil.which("qemu-system-arm")
QEMU_IMAGE = ROOT / ".build-qemu" / "coffer-qemu.elf"


def qemu_image() -> pathlib.Path:
    """The QEMU board's image (make firmware-qemu), built here unless make test built it already."""
    if not shutil.which("arm-none-eabi-gcc"):
        pytest.skip("arm-none-eabi-gcc missing: run scripts/bootstrap.sh qemu")
    if os.environ.get("COFFER_QEMU_IMAGE_BUILT") != "1":
        subprocess.run([str(ROOT / "scripts" / "firmware-qemu.sh")], check=True, stdout=subprocess.DEVNULL)
    assert QEMU_IMAGE.exists()
    return QEMU_IMAGE
