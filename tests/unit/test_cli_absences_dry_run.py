"""`rtw absences import --dry-run` end to end in the process: nothing is posted, so no API is
needed; the file's problems end the command with exit code 2, a row's with 1."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cli.exit_codes import Exit
from cli.main import main

HEADER = ("employer_id,absence_id,employee_id,employee_name,employee_email,manager_id,"
          "manager_name,manager_email,first_day,reason_category")


def good(absence_id: str, first_day: str = "2026-11-20") -> str:
    return (f"acme-trust,{absence_id},E1001,Sam Patel,sam@example.org,M2002,Alex Jones,"
            f"alex@example.org,{first_day},other")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["absences", "import", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_file_is_exit_0_and_posts_nothing_without_a_token(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RTW_TOKEN", raising=False)
    source = tmp_path / "absences.csv"
    source.write_text(f"{HEADER}\n{good('A-1')}\n{good('A-2')}\n")

    code, out, err = run(capsys, str(source), "--dry-run")

    assert (code, out, err) == (Exit.OK, "dry run: 2 row(s): 2 valid, 0 rejected; nothing was "
                                "posted\n", "")


def test_a_second_row_for_the_same_absence_is_rejected_naming_the_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "absences.csv"
    source.write_text(f"{HEADER}\n{good('A-1')}\n{good('A-2')}\n{good('A-1', '2026-11-21')}\n")
    rejects = tmp_path / "rejects.csv"

    code, out, _ = run(capsys, str(source), "--dry-run", "--rejects", str(rejects))

    assert code == Exit.FAILED
    assert out == ("dry run: 3 row(s): 2 valid, 1 rejected; nothing was posted "
                   f"(each in {rejects})\n")
    with rejects.open(newline="") as found:
        [rejected] = list(csv.DictReader(found))
    assert rejected == {"line": "4", "column": "absence_id", "value": "A-1",
                        "problem": "the same absence as line 2",
                        "accepted": "one row per absence (employer_id and absence_id)"}


@pytest.mark.parametrize(("content", "message"), [
    (None, "No such file or directory"),
    (b"\x00\x01\x02", "not CSV (a binary file)"),
    (b"employer_id,absence_id\nacme,A-1\n", "missing required column(s) employee_id, "
     "employee_name, employee_email, manager_id, manager_name, manager_email, first_day, "
     "reason_category"),
])
def test_a_file_that_cannot_be_imported_is_one_line_and_exit_2(
        content: bytes | None, message: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "absences.csv"
    if content is not None:
        source.write_bytes(content)

    code, out, err = run(capsys, str(source), "--dry-run")

    assert code == Exit.USAGE and out == ""
    [line] = err.splitlines()
    assert line.startswith("rtw absences import: ") and line.endswith(message)


def test_a_rejects_file_that_cannot_be_written_is_exit_2_before_anything_is_posted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "absences.csv"
    source.write_text(f"{HEADER}\n{good('A-1')}\n")

    code, _, err = run(capsys, str(source), "--rejects", str(tmp_path / "no" / "rejects.csv"))

    assert code == Exit.USAGE
    assert err.startswith("rtw absences import: --rejects ") and "No such file" in err
