"""`rtw keys rotate --key payload|store|chain`: a new active key for new writes; old keys stay in
the ring, so what they encrypted or signed still reads and verifies.

The key is rewritten where it is configured: the local stack's keys file (`rtw run` keeps its
keys in `secrets.env` beside `local.env`, and copies them there at each start), or the file of
RTW_SECRETS_DIR named after the setting. A key set in the environment wins over both files, so
it cannot be rotated here: the command says how to rotate it instead. Only the new key's id is
printed, never a key.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.exit_codes import Exit
from eventstore.keyring import KeyRingError, rotated

if TYPE_CHECKING:
    from infra.settings import Settings

SETTINGS = {
    "payload": "RTW_PAYLOAD_KEYS",
    "store": "RTW_EVENT_CIPHER_KEY",
    "chain": "RTW_AUDIT_HMAC_KEY",
}
LOCAL_SECRETS = "secrets.env"


def add_keys_commands(commands: Any) -> None:
    keys = commands.add_parser("keys", help="manage rtw's secret keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_commands.add_parser(
        "rotate", help="put a new active key in front of a key ring (old keys still read); "
        "prints the new key's id")
    rotate.add_argument("--key", required=True, choices=sorted(SETTINGS),
                        help="payload: Temporal payloads (RTW_PAYLOAD_KEYS); store: the event "
                        "store's cipher (RTW_EVENT_CIPHER_KEY); chain: the hash chain's MAC "
                        "(RTW_AUDIT_HMAC_KEY)")


class CannotRotate(Exception):
    """Why a key cannot be rotated here, as one line."""


@dataclass(frozen=True)
class EnvFile:
    """A `NAME=value` file holding the setting (the local stack's)."""

    path: Path

    def read(self, name: str) -> str | None:
        if not self.path.is_file():
            return None
        for line in self.path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() == name:
                return value.strip()
        return None

    def write(self, name: str, value: str) -> None:
        lines = self.path.read_text().splitlines()
        replaced = [f"{name}={value}" if line.partition("=")[0].strip() == name else line
                    for line in lines]
        write_secret(self.path, "".join(f"{line}\n" for line in replaced))


def write_secret(path: Path, text: str) -> None:
    """Replace `path` atomically with a file only its owner can read: a crash leaves either the
    old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def rotate(key: str, settings: Settings, environ: dict[str, str] | None = None
           ) -> tuple[str, list[Path]]:
    """Rotate one key where it is configured: the new key id and the files rewritten."""
    from infra.settings import LOCAL_ENV_FILE

    name = SETTINGS[key]
    environ = dict(os.environ) if environ is None else environ
    if any(variable.upper() == name for variable in environ):
        raise CannotRotate(
            f"{name} is set in the environment, which rtw cannot rewrite: where it is set, "
            "put a new key in front of the ring ('newkid:' + 32 random bytes in base64, e.g. "
            "from `openssl rand -base64 32`, then ',' and the current value; old keys stay), "
            "then restart the worker and the API")
    local_env = EnvFile(LOCAL_ENV_FILE)
    local_secrets = EnvFile(LOCAL_ENV_FILE.parent / LOCAL_SECRETS)
    current = local_secrets.read(name) or local_env.read(name)
    if current is not None:
        new_spec, kid = rotated(current, setting=name)
        written = []
        for env_file in (local_secrets, local_env):  # the source first; `rtw run` copies it
            if env_file.read(name) is not None:
                env_file.write(name, new_spec)
                written.append(env_file.path)
        return kid, written
    if settings.secrets_dir is not None:
        secret = settings.secrets_dir / name.lower()
        if secret.is_file():
            new_spec, kid = rotated(secret.read_text().strip(), setting=name)
            try:
                write_secret(secret, new_spec + "\n")
            except OSError as error:
                raise CannotRotate(
                    f"{name}: cannot rewrite {secret} ({error.strerror}); a secret mounted "
                    "read-only (Docker, Kubernetes) is rotated where it is kept: put a new "
                    "'kid:base64key' in front of its value, with a comma") from None
            return kid, [secret]
    raise CannotRotate(f"{name} is not configured in {LOCAL_ENV_FILE} nor in RTW_SECRETS_DIR; "
                       "nothing to rotate (`rtw run` writes the local stack's keys)")


def run_keys_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        kid, written = rotate(args.key, settings)
    except (CannotRotate, KeyRingError) as refusal:
        print(f"rtw keys rotate: {refusal}", file=sys.stderr)
        return Exit.USAGE
    name = SETTINGS[args.key]
    print(f"{name}: new active key '{kid}' written to "
          f"{', '.join(str(path) for path in written)}; old keys still read. Restart the "
          "worker and the API (or `rtw run`) to write with it.")
    return Exit.OK
