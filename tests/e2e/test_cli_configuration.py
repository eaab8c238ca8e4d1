"""A configuration mistake stops `rtw worker` / `rtw api` with one clear line, exit 2."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.tokens import issue_dev_tokens


def rtw(command: str, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    issue_dev_tokens(tmp_path / "tokens.json", tmp_path / "dev-tokens.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({
        "RTW_HOME": str(tmp_path), "RTW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "RTW_AUDIT_HMAC_KEY": base64.b64encode(b"a" * 32).decode(),
        "RTW_EVENT_CIPHER_KEY": base64.b64encode(b"k" * 32).decode(),
        "RTW_PAYLOAD_KEYS": "p1:" + base64.b64encode(b"p" * 32).decode(),
        "RTW_TOKENS_FILE": str(tmp_path / "tokens.json"), **settings,
    })
    return subprocess.run([sys.executable, "-m", "cli.main", command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["worker", "api"])
def test_a_broken_webhooks_file_is_named(command: str, tmp_path: Path) -> None:
    broken = tmp_path / "webhooks.json"
    broken.write_text('{"acme-trust": {"url": "https://hr.example.org/rtw"}}')
    result = rtw(command, tmp_path, RTW_WEBHOOKS_FILE=str(broken))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"rtw: RTW_WEBHOOKS_FILE: {broken}: acme-trust: needs 'url' and 'secret'"
    ]


def test_a_policy_that_breaks_the_rules_is_named(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "acme-trust.json").write_text(json.dumps(
        [{"version": "v1", "effective_from": "2026-01-01", "phased_return_max_weeks": 99}]))
    result = rtw("worker", tmp_path, RTW_POLICY_DIR=str(policies))
    assert result.returncode == 2
    assert "RTW_POLICY_DIR" in result.stderr
    assert "version 0.phased_return_max_weeks: Input should be less than or equal" in (
        result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_token_file_is_named(tmp_path: Path) -> None:
    result = rtw("api", tmp_path, RTW_TOKENS_FILE=str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "RTW_TOKENS_FILE: no token file at" in result.stderr


def employers(tmp_path: Path, document: object) -> str:
    folder = tmp_path / "employers"
    folder.mkdir(exist_ok=True)
    (folder / "acme-trust.json").write_text(json.dumps(document))
    return str(folder)


@pytest.mark.parametrize(("command", "settings", "expected"), [
    ("worker", {"RTW_NOTIFY_CHANNEL": "smtp", "RTW_SMTP_FROM": "rtw@acme.example"},
     "RTW_SMTP_URL"),
    ("relay", {"RTW_NOTIFY_CHANNEL": "notify"}, "RTW_NOTIFY_API_KEY"),
    ("relay", {"RTW_NOTIFY_CHANNEL": "smtp", "RTW_SMTP_URL": "smtp://mail.example:25",
               "RTW_SMTP_FROM": "rtw@acme.example"}, "RTW_EMPLOYERS_DIR"),
])
def test_a_channel_without_its_settings_does_not_start(
    command: str, settings: dict[str, str], expected: str, tmp_path: Path,
) -> None:
    result = rtw(command, tmp_path, **settings)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rtw: ") and expected in line


@pytest.mark.parametrize("command", ["worker", "api", "relay"])
def test_an_employer_file_without_its_hr_mailbox_is_named(command: str, tmp_path: Path) -> None:
    folder = employers(tmp_path, {"mailboxes": {"oh": "oh@acme.example"}})
    result = rtw(command, tmp_path, RTW_EMPLOYERS_DIR=folder)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "RTW_EMPLOYERS_DIR" in line and "acme-trust.json" in line and "mailboxes.hr" in line


def test_the_api_does_not_need_the_channel_the_relay_sends_through(tmp_path: Path) -> None:
    # The API sends nothing: a worker elsewhere does. It still refuses a broken employer file.
    folder = employers(tmp_path, {"mailboxes": {"oh": "oh@acme.example",
                                                "hr": "hr@acme.example"},
                                  "texts": {"early_contact_due": {
                                      "subject": "{{ diagnosis }}", "body": "x"}}})
    result = rtw("api", tmp_path, RTW_NOTIFY_CHANNEL="smtp", RTW_EMPLOYERS_DIR=folder)
    assert result.returncode == 2
    assert "diagnosis" in result.stderr and "RTW_SMTP" not in result.stderr
