"""An opaque-ke client (opaque-ke-py, Meta's Rust OPAQUE 4.0.1) parks and recovers a key in a Coffer
emulator made with `init --suite ristretto255-sha512`, over CTAPHID with python-fido2 as the host.

Everything around opaque-ke's OPAQUE messages is built here from docs/PROTOCOL.md alone: the vault
request and reply layouts (§2, §3.1), the identity and registration signatures (§3.1, §5a), the session
binding (§5a, HKDF-SHA256) and the key transport seal (§5, AES-256-GCM), with the `cryptography`
package. opaque-ke binds the empty context and no identities, which is what the device binds for this
suite (§2, "Suites").
"""
import pathlib
import signal
import struct
import subprocess
import tempfile

import pytest
from conftest import emulator_binary, wait_for_ready
from test_fido2_ctaphid import open_device

opaque = pytest.importorskip("opaque_ke_py")
hazmat = pytest.importorskip("cryptography.hazmat.primitives")
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: E402

VERSION = b"\x02"
GET_INFO, REGISTER_START, REGISTER_FINISH, LOGIN_START, LOGIN_FINISH = 0x40, 0x42, 0x43, 0x44, 0x45
DEPOSIT, RECOVER = 1, 2
SUITE_RISTRETTO255_SHA512 = 0x02
STATUS = {0x08: "authenticationFailed", 0x09: "recordDestroyed", 0x14: "requestNotAuthenticated"}


class VaultRefused(Exception):
    def __init__(self, status: int):
        super().__init__(STATUS.get(status, hex(status)))
        self.status = status


class Reader:
    """Reads the big-endian fields of a reply body; `done` insists nothing is left over."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        assert self.at + n <= len(self.data), "reply ends early"
        self.at += n
        return self.data[self.at - n:self.at]

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack(">H", self.take(2))[0]

    def u64(self) -> int:
        return struct.unpack(">Q", self.take(8))[0]

    def bytes8(self) -> bytes:
        return self.take(self.u8())

    def bytes16(self) -> bytes:
        return self.take(self.u16())

    def done(self) -> None:
        assert self.at == len(self.data), "trailing bytes"


def bytes8(value: bytes) -> bytes:
    return bytes([len(value)]) + value


def bytes16(value: bytes) -> bytes:
    return struct.pack(">H", len(value)) + value


def hkdf_sha256(ikm: bytes, info: bytes) -> bytes:
    # RFC 5869 with an empty salt, which HMAC pads to the same key as cryptography's default salt.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(ikm)


def verify(identity_key: bytes, signature: bytes, message: bytes) -> None:
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), identity_key)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.verify(der, message, ec.ECDSA(hashes.SHA256()))


class Vault:
    """The vault's requests over one CTAPHID channel (docs/PROTOCOL.md §1, §2)."""

    def __init__(self, port: int):
        self.device = open_device(port)

    def call(self, op: int, body: bytes = b"") -> Reader:
        reply = self.device.call(op, VERSION + body)
        if reply[0] != 0:
            raise VaultRefused(reply[0])
        return Reader(reply[1:])

    def info(self) -> dict:
        r = self.call(GET_INFO)
        info = {"protocol": r.u8(), "firmware": r.take(3), "serial": r.u64(), "lifecycle": r.u8(),
                "slots": r.u16(), "records": r.u16(), "tombstones": r.u16(), "damaged": r.u16(),
                "default_limit": r.u8(), "max_limit": r.u8(), "ake": r.bytes8(), "identity": r.bytes8(),
                "signature": r.bytes8(), "suite": r.u8(), "kind": r.u8()}
        r.done()
        return info

    def register(self, info: dict, credential: bytes, password: bytes, limit: int) -> int:
        start = opaque.client_registration_start(password)
        request = start.get_message()
        r = self.call(REGISTER_START, bytes8(credential) + bytes([limit]) + bytes16(request))
        response, applied, signature = r.bytes16(), r.u8(), r.bytes8()
        r.done()
        statement = (b"coffer/v2/registration" + struct.pack(">Q", info["serial"]) + bytes8(credential)
                     + bytes([applied]) + bytes16(request) + bytes16(response))
        verify(info["identity"], signature, statement)
        assert response[32:64] == info["ake"], "the AKE key the identity signed"
        finish = opaque.client_registration_finish(password, start.get_state(), response)
        record = finish.get_message()
        assert len(record) == 192
        r = self.call(REGISTER_FINISH, bytes8(credential) + bytes16(record))
        assert r.u8() == applied
        r.done()
        return applied

    def login(self, credential: bytes, password: bytes, intent: int, backup_key: bytes = b"",
              tamper_binding: bool = False):
        """A login with `intent`; returns (attempts remaining, the recovered key or None). opaque-ke
        raises when the password is wrong: the attempt is counted by then."""
        start = opaque.client_login_start(password)
        ke1 = start.get_message()
        assert len(ke1) == 96
        r = self.call(LOGIN_START, bytes8(credential) + bytes16(ke1))
        ke2, remaining = r.bytes16(), r.u8()
        r.done()
        assert len(ke2) == 320
        finish = opaque.client_login_finish(password, start.get_state(), ke2)
        ke3, session_key = finish.get_message(), finish.get_session_key()
        assert len(ke3) == 64 and len(session_key) == 64
        sealed = b""
        if intent == DEPOSIT:
            key = hkdf_sha256(session_key, b"coffer/v1/deposit-key" + credential)
            sealed = AESGCM(key).encrypt(bytes(12), backup_key, b"coffer/v1/deposit")
        binding = hkdf_sha256(session_key, b"coffer/v2/login-finish-request" + bytes8(credential)
                              + bytes([intent]) + bytes8(sealed))
        if tamper_binding:
            binding = bytes([binding[0] ^ 1]) + binding[1:]
        r = self.call(LOGIN_FINISH, bytes16(ke3) + bytes([intent]) + bytes8(sealed) + binding)
        reply_sealed, reply_binding = r.bytes8(), r.take(32)
        r.done()
        assert reply_binding == hkdf_sha256(session_key, b"coffer/v2/login-finish-reply" + bytes8(credential)
                                            + bytes([intent]) + bytes8(reply_sealed))
        if intent != RECOVER:
            return remaining, None
        key = hkdf_sha256(session_key, b"coffer/v1/recover-key" + credential)
        return remaining, AESGCM(key).decrypt(bytes(12), reply_sealed, b"coffer/v1/recover")


@pytest.fixture
def ristretto_emulator():
    with tempfile.TemporaryDirectory(prefix="coffer-suite-") as tmp:
        state, ready = pathlib.Path(tmp) / "state", pathlib.Path(tmp) / "ready.json"
        seed = "5e" * 16
        subprocess.run([str(emulator_binary()), "init", "--state-dir", str(state), "--suite", "ristretto255-sha512",
                        "--seed", seed], check=True, capture_output=True)
        process = subprocess.Popen(
            [str(emulator_binary()), "--state-dir", str(state), "--port", "0", "--ready-file", str(ready),
             "--seed", seed], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            yield wait_for_ready(ready, process)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


HARDWARE, SEEDED = 0, 2


def identity_statement(info: dict) -> bytes:
    """What GetInfo's identity signature covers (docs/PROTOCOL.md §3.1)."""
    return (b"coffer/v2/device-identity" + struct.pack(">Q", info["serial"]) + bytes([info["kind"]])
            + info["ake"])


def test_opaque_ke_client_parks_and_recovers_a_key(ristretto_emulator):
    vault = Vault(ristretto_emulator["port"])
    info = vault.info()
    assert info["protocol"] == 2 and info["suite"] == SUITE_RISTRETTO255_SHA512
    assert len(info["ake"]) == 32 and len(info["identity"]) == 33
    assert info["kind"] == SEEDED, "a device made from --seed says so"
    verify(info["identity"], info["signature"], identity_statement(info))

    credential, password, backup_key = b"opaque-ke-alice", b"correct horse battery staple", bytes(range(32))
    assert vault.register(info, credential, password, limit=3) == 3
    assert vault.login(credential, password, DEPOSIT, backup_key) == (2, None)
    assert vault.login(credential, password, RECOVER) == (2, backup_key)

    # A LoginFinish whose binding is not the session's does nothing (the valid KE3 still re-bases).
    with pytest.raises(VaultRefused) as refused:
        vault.login(credential, password, RECOVER, tamper_binding=True)
    assert refused.value.status == 0x14

    # Wrong passwords: opaque-ke refuses KE2, and the device destroys the record at the limit.
    for _ in range(3):
        with pytest.raises(Exception) as wrong:
            vault.login(credential, b"not the password", RECOVER)
        assert not isinstance(wrong.value, VaultRefused), "opaque-ke refuses KE2; the device never refused"
    with pytest.raises(VaultRefused) as destroyed:
        vault.login(credential, password, RECOVER)
    assert destroyed.value.status == 0x09
    assert vault.info()["tombstones"] == 1


def test_a_signature_over_the_wrong_statement_fails(ristretto_emulator):
    """Negative control for the signature checks above: they can fail."""
    info = Vault(ristretto_emulator["port"]).info()
    with pytest.raises(InvalidSignature):
        verify(info["identity"], info["signature"], identity_statement(dict(info, serial=info["serial"] ^ 1)))
    with pytest.raises(InvalidSignature):
        verify(info["identity"], info["signature"], identity_statement(dict(info, kind=HARDWARE)))
