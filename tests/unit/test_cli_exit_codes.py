"""One exit code per kind of outcome, whichever command ends with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli.exit_codes import MEANINGS, Exit, for_status


@pytest.mark.parametrize(("status", "expected"), [
    (200, Exit.OK), (201, Exit.OK), (202, Exit.OK),
    (401, Exit.AUTH), (403, Exit.AUTH),
    (400, Exit.REFUSED), (404, Exit.REFUSED), (409, Exit.REFUSED), (413, Exit.REFUSED),
    (422, Exit.REFUSED),
    (502, Exit.UNREACHABLE), (503, Exit.UNREACHABLE), (504, Exit.UNREACHABLE),
    (500, Exit.FAILED),
])
def test_each_http_answer_ends_the_command_with_its_kind_of_exit(
        status: int, expected: Exit) -> None:
    assert for_status(status) is expected


def test_the_codes_are_distinct_and_stable() -> None:
    assert [int(code) for code in Exit] == [0, 1, 2, 3, 4, 5]


def test_every_code_has_a_meaning_for_the_readme_table() -> None:
    assert set(MEANINGS) == set(Exit)


NOWHERE = "postgresql://rtw@127.0.0.1:1/rtw"  # nothing listens on port 1: refused at once


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         tmp_path: Path, database_url: str | None, *argv: str) -> tuple[int, list[str]]:
    from cli.main import main
    from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY

    for name in [n for n in os.environ if n.startswith("RTW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RTW_HOME", str(tmp_path))
    monkeypatch.setenv("RTW_AUDIT_HMAC_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("RTW_EVENT_CIPHER_KEY", TEST_CIPHER_KEY)
    if database_url is not None:
        monkeypatch.setenv("RTW_DATABASE_URL", database_url)
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("argv", [
    ("audit", "verify", "--all"),
    ("audit", "access-log", "--json"),
    ("policy", "simulate", "--policy", "{tmp}/policy.json"),
])
def test_a_database_that_is_not_there_is_exit_5_and_one_line(
        argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text(json.dumps(
        {"version": "v2", "effective_from": "2026-01-01"}))
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]

    code, err = _run(monkeypatch, capsys, tmp_path, NOWHERE, *args)

    assert code == Exit.UNREACHABLE, err
    [line] = err
    assert line.startswith(f"rtw {argv[0]}")


@pytest.mark.parametrize("argv", [("audit", "verify", "--all"), ("report", "--out", "out")])
def test_a_database_url_not_set_is_exit_2_and_one_line(
        argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)

    code, err = _run(monkeypatch, capsys, tmp_path, None, *argv)

    assert code == Exit.USAGE
    [line] = err
    assert "RTW_DATABASE_URL is not set" in line
