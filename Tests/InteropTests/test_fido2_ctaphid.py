"""python-fido2, an independent CTAPHID host, drives the emulator over a UDP connection."""
import socket

import pytest
from fido2.ctap import CtapError
from fido2.hid import CTAPHID, CtapHidDevice
from fido2.hid.base import CtapHidConnection, HidDescriptor

REPORT_SIZE = 64


class UdpCtapHidConnection(CtapHidConnection):
    """One 64-byte HID report per UDP datagram, as the emulator serves them."""

    def __init__(self, port: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(10.0)

    def read_packet(self) -> bytes:
        return self.sock.recv(REPORT_SIZE)

    def write_packet(self, data: bytes) -> None:
        assert len(data) == REPORT_SIZE
        self.sock.send(data)

    def close(self) -> None:
        self.sock.close()


def open_device(port: int) -> CtapHidDevice:
    descriptor = HidDescriptor(f"udp:{port}", 0, 0, REPORT_SIZE, REPORT_SIZE, "Coffer emulator", None)
    return CtapHidDevice(descriptor, UdpCtapHidConnection(port))


def test_init_allocates_a_channel_and_reports_capabilities(emulator):
    device = open_device(emulator["port"])
    assert device.version == 2
    assert device._channel_id not in (0, 0xFFFFFFFF)
    assert device.capabilities & 0x01  # WINK
    assert device.capabilities & 0x08  # NMSG: no U2F MSG


def test_two_inits_get_distinct_channels(emulator):
    assert open_device(emulator["port"])._channel_id != open_device(emulator["port"])._channel_id


@pytest.mark.parametrize("size", [0, 1, 57, 58, 7609])
def test_ping_echoes_every_size(emulator, size):
    device = open_device(emulator["port"])
    payload = bytes((i * 7 + size) & 0xFF for i in range(size))
    assert device.ping(payload) == payload


def test_wink_answers_empty(emulator):
    device = open_device(emulator["port"])
    assert device.call(CTAPHID.WINK) == b""


def test_unassigned_command_is_invalid_cmd(emulator):
    device = open_device(emulator["port"])
    with pytest.raises(CtapError) as error:
        device.call(0x30, b"")
    assert error.value.code == CtapError.ERR.INVALID_COMMAND
