"""opaque-ke (Meta's Rust OPAQUE, 4.0.1, through PyPI's opaque-ke-py) as a peer process for Coffer's tests.

OPAQUETests/OpaqueKEInteropTests.swift starts this script and talks to it over stdin/stdout, one
request per line: a command and its byte-string arguments in hex ("-" for an empty one). Each answer is
one line: "ok" and the results in hex, or "err" and the message opaque-ke raised. opaque-ke-py takes and
returns the RFC 9807 wire messages as bytes (suite ristretto255-SHA512, KSF Argon2id with the `argon2`
crate's defaults, empty context, no identities); a ServerSetup is 128 bytes: oprf_seed (64) ||
server private key (32) || a dummy key (32).
"""
import sys

try:
    import opaque_ke_py as opaque
except ImportError as error:  # The Swift test turns this into a failure that names the fix.
    print(f"err opaque-ke-py is not installed ({error}); run scripts/bootstrap.sh test", flush=True)
    sys.exit(0)


def server_setup(data: bytes):
    return opaque.ServerSetupData.from_bytes(data)


COMMANDS = {
    "hello": lambda: [b"opaque-ke-py"],
    "server_setup": lambda: [opaque.server_setup().to_bytes()],
    "client_registration_start": lambda password: (
        lambda r: [r.get_message(), r.get_state()])(opaque.client_registration_start(password)),
    "server_registration_start": lambda setup, request, username: [
        opaque.server_registration_start(server_setup(setup), request, username).get_message()],
    "client_registration_finish": lambda password, state, response: (
        lambda r: [r.get_message(), r.get_export_key()])(
            opaque.client_registration_finish(password, state, response)),
    "server_registration_finish": lambda upload: [opaque.server_registration_finish(upload).get_password_file()],
    "client_login_start": lambda password: (
        lambda r: [r.get_message(), r.get_state()])(opaque.client_login_start(password)),
    "server_login_start": lambda setup, password_file, ke1, username: (
        lambda r: [r.get_message(), r.get_state()])(
            opaque.server_login_start(server_setup(setup), password_file, ke1, username)),
    "client_login_finish": lambda password, state, ke2: (
        lambda r: [r.get_message(), r.get_session_key(), r.get_export_key()])(
            opaque.client_login_finish(password, state, ke2)),
    "server_login_finish": lambda state, ke3: [opaque.server_login_finish(state, ke3).get_session_key()],
}


def answer(line: str) -> str:
    words = line.split()
    if not words or words[0] not in COMMANDS:
        return f"err unknown command {words[:1]}"
    try:
        arguments = [b"" if word == "-" else bytes.fromhex(word) for word in words[1:]]
        results = COMMANDS[words[0]](*arguments)
    except Exception as error:  # opaque-ke's refusals (InvalidLoginError, ...) are answers, not crashes.
        return "err " + " ".join(f"{type(error).__name__}: {error}".split())
    return " ".join(["ok"] + [result.hex() or "-" for result in results])


def main() -> None:
    for line in sys.stdin:
        print(answer(line), flush=True)


if __name__ == "__main__":
    main()
