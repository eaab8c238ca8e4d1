"""`rtw worker` and `rtw api` never start unencrypted: a missing payload, store or chain key
stops them with one line naming every missing setting, exit 2."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.tokens import issue_dev_tokens

KEYS = {
    "RTW_PAYLOAD_KEYS": "p1:" + base64.b64encode(b"p" * 32).decode(),
    "RTW_EVENT_CIPHER_KEY": base64.b64encode(b"k" * 32).decode(),
    "RTW_AUDIT_HMAC_KEY": base64.b64encode(b"a" * 32).decode(),
}


def rtw(command: str, tmp_path: Path, keys: dict[str, str]) -> subprocess.CompletedProcess[str]:
    issue_dev_tokens(tmp_path / "tokens.json", tmp_path / "dev-tokens.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({"RTW_HOME": str(tmp_path), "RTW_TOKENS_FILE": str(tmp_path / "tokens.json"),
                "RTW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", **keys})
    return subprocess.run([sys.executable, "-m", "cli.main", command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["worker", "api"])
def test_without_any_key_the_process_names_all_three_and_exits_2(command: str,
                                                                  tmp_path: Path) -> None:
    result = rtw(command, tmp_path, {})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"rtw {command}: RTW_PAYLOAD_KEYS, RTW_EVENT_CIPHER_KEY, "
                           "RTW_AUDIT_HMAC_KEY are not set")


@pytest.mark.parametrize("missing", sorted(KEYS))
def test_each_missing_key_is_named_alone(missing: str, tmp_path: Path) -> None:
    result = rtw("worker", tmp_path, {k: v for k, v in KEYS.items() if k != missing})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"rtw worker: {missing} is not set")


def test_a_payload_key_ring_that_is_not_usable_is_named(tmp_path: Path) -> None:
    result = rtw("api", tmp_path, {**KEYS, "RTW_PAYLOAD_KEYS": "p1:c2hvcnQ="})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "RTW_PAYLOAD_KEYS" in line and "16 or 24 or 32 bytes" in line
