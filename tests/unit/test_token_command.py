"""`rtw token issue | revoke | list`: a token printed once and stored as its digest only, a
revocation that the API's registry sees, a listing that never shows a token."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cli.exit_codes import Exit
from cli.main import main
from infra.tokens import TokenRegistry


@pytest.fixture
def tokens_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tokens.json"
    monkeypatch.setenv("RTW_TOKENS_FILE", str(path))
    return path


def _issue(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["token", "issue", *args]) == Exit.OK
    return capsys.readouterr().out.strip()


def test_issue_prints_a_token_once_and_stores_only_its_digest(
        tokens_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _issue(capsys, "--role", "hr", "--subject", "esr-1", "--employer", "trust-a",
                   "--employer", "trust-b")

    assert len(token) >= 40 and token not in tokens_file.read_text()
    assert stat.S_IMODE(tokens_file.stat().st_mode) == 0o600
    principal = TokenRegistry.load(tokens_file).authenticate(token)
    assert principal is not None and principal.subject == "esr-1"
    assert principal.employers == ("trust-a", "trust-b")


def test_revoke_by_subject_stops_a_registry_already_loaded(
        tokens_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _issue(capsys, "--role", "manager", "--subject", "M1", "--employer", "trust-a")
    kept = _issue(capsys, "--role", "oh", "--subject", "OH-1", "--employer", "trust-a")
    running = TokenRegistry.load(tokens_file)
    assert running.authenticate(token) is not None

    assert main(["token", "revoke", "--subject", "M1"]) == Exit.OK

    assert running.authenticate(token) is None and running.authenticate(kept) is not None


def test_revoke_by_digest_prefix_and_list_never_shows_a_token(
        tokens_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _issue(capsys, "--role", "auditor", "--subject", "aud-1", "--employer", "trust-a")
    assert main(["token", "list", "--json"]) == Exit.OK
    [row] = json.loads(capsys.readouterr().out)

    assert main(["token", "revoke", "--digest", row["digest"]]) == Exit.OK
    assert main(["token", "list"]) == Exit.OK
    table = capsys.readouterr().out

    assert token not in table and row["digest"] in table and "aud-1" in table
    assert row["role"] == "auditor" and row["employers"] == ["trust-a"] and row["issued"]
    assert TokenRegistry.load(tokens_file).authenticate(token) is None


def test_bad_input_is_one_line_and_changes_nothing(
        tokens_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "issue", "--role", "hr", "--subject", "esr-1"]) == Exit.USAGE
    assert main(["token", "issue", "--role", "oh", "--subject", "x", "--employer", "a",
                 "--name", "\x07"]) == Exit.USAGE
    assert main(["token", "revoke", "--digest", "xyz"]) == Exit.USAGE
    assert main(["token", "revoke", "--subject", "nobody"]) == Exit.REFUSED
    errors = capsys.readouterr().err.splitlines()

    assert errors[0].startswith("rtw token issue: --employer: ")
    assert errors[1].startswith("rtw token issue: 'name' must be printable text")
    assert len(errors) == 4 and not tokens_file.exists()


def test_admin_needs_no_employer(tokens_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _issue(capsys, "--role", "admin", "--subject", "ops-1")

    principal = TokenRegistry.load(tokens_file).authenticate(token)
    assert principal is not None and principal.case_employers == ()
