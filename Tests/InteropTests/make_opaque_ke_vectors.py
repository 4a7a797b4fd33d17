"""Writes vectors/opaque-3dh-ristretto255-SHA512-Argon2id-opaque-ke.json from runs of opaque-ke itself.

Each entry is one registration made entirely by opaque-ke 4.0.1 (PyPI opaque-ke-py 0.1.0: client and server,
KSF Argon2id with the `argon2` crate's defaults, empty context, no identities). Every input the registration
used is recovered from what opaque-ke hands out: oprf_seed and the server private key from the 128-byte
ServerSetup, blind_registration from the client state (blind || blinded element), envelope_nonce from the
upload. The outputs are opaque-ke's messages and export key, unchanged, so a checker that reproduces them
computes Argon2id, the OPRF and the envelope exactly as opaque-ke does.

opaque-ke does not hand out its login key-share seeds, so the login inputs are those of RFC 9807 C.1.1 and
the only login value the file holds is export_key: the checker's login must recover opaque-ke's envelope.

Run: python3 Tests/InteropTests/make_opaque_ke_vectors.py  (needs opaque-ke-py; output is random per run)
"""
import json
import pathlib

import opaque_ke_py as opaque

OUT = pathlib.Path(__file__).resolve().parent / "vectors/opaque-3dh-ristretto255-SHA512-Argon2id-opaque-ke.json"

CONFIG = {
    "Context": "", "Fake": "False", "Group": "ristretto255", "Hash": "SHA512", "KDF": "HKDF-SHA512",
    "KSF": "Argon2id", "MAC": "HMAC-SHA512", "Name": "3DH", "Nh": "64", "Nm": "64", "Nok": "32", "Npk": "32",
    "Nsk": "32", "Nx": "64", "OPRF": "ristretto255-SHA512",
}

# RFC 9807 C.1.1's login inputs (opaque-ke keeps its own to itself).
LOGIN_INPUTS = {
    "blind_login": "6ecc102d2e7a7cf49617aad7bbe188556792d4acd60a1a8a8d2b65d4b0790308",
    "client_keyshare_seed": "82850a697b42a505f5b68fcdafce8c31f0af2b581f063cf1091933541936304b",
    "client_nonce": "da7e07376d6d6f034cfa9bb537d11b8c6b4238c334333d1f0aebb380cae6a6cc",
    "masking_nonce": "38fe59af0df2c79f57b8780278f5ae47355fe1f817119041951c80f612fdfc6d",
    "server_keyshare_seed": "05a4f54206eef1ba2f615bc0aa285cb22f26d1153b5b40a1e85ff80da12f982f",
    "server_nonce": "71cd9960ecef2fe0d0f7494986fa3d8b2bb01963537e60efb13981e138e3d4a1",
}


def entry(password: bytes, username: bytes) -> dict:
    setup = opaque.server_setup()
    setup_bytes = setup.to_bytes()
    start = opaque.client_registration_start(password)
    request, state = start.get_message(), start.get_state()
    assert state[32:] == request, "client state is not blind || blinded element"
    response = opaque.server_registration_start(setup, request, username).get_message()
    finish = opaque.client_registration_finish(password, state, response)
    upload = finish.get_message()
    assert opaque.server_registration_finish(upload).get_password_file() == upload
    return {
        "config": CONFIG,
        "inputs": {
            "blind_registration": state[:32].hex(),
            "credential_identifier": username.hex(),
            "envelope_nonce": upload[96:128].hex(),
            "oprf_seed": setup_bytes[:64].hex(),
            "password": password.hex(),
            "server_private_key": setup_bytes[64:96].hex(),
            "server_public_key": response[32:64].hex(),
            **LOGIN_INPUTS,
        },
        "intermediates": {
            "client_public_key": upload[:32].hex(),
            "envelope": upload[96:].hex(),
            "masking_key": upload[32:96].hex(),
        },
        "outputs": {
            "export_key": finish.get_export_key().hex(),
            "registration_request": request.hex(),
            "registration_response": response.hex(),
            "registration_upload": upload.hex(),
        },
    }


def main() -> None:
    runs = [entry(b"CorrectHorseBatteryStaple", b"1234"), entry(b"hunter2", b"alice@example.org")]
    OUT.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
