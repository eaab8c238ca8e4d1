"""The go-live import's CSV rows, read into the very model `POST /v1/absences` reads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from api.models import AbsenceNotification
from cli.absence_rows import BadFile, Row, check_row, column_for, columns_of, read_rows
from cli.absences_import import idempotency_key, read_file, write_rejects

COLUMNS = columns_of(AbsenceNotification)
HEADER = ("employer_id,absence_id,employee_id,employee_name,employee_email,manager_id,"
          "manager_name,manager_email,first_day,reason_category")
GOOD = ("acme-trust,ABS-1,E1001,Sam Patel,sam@example.org,M2002,Alex Jones,alex@example.org,"
        "2026-11-20,musculoskeletal")


def _rows(text: str) -> list[Row]:
    return list(read_rows(io.StringIO(text).readlines(), COLUMNS))


def _check(cells: dict[str, str]) -> tuple[dict[str, object] | None, list[tuple[str, str]]]:
    body, rejections = check_row(Row(line=2, cells=cells), COLUMNS, AbsenceNotification)
    return body, [(r.column, r.problem) for r in rejections]


def _good(**changes: str) -> dict[str, str]:
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    cells.update(changes)
    return cells


def test_the_columns_are_the_models_fields_with_nested_ones_flattened() -> None:
    names = [column.name for column in COLUMNS]

    assert names[:10] == HEADER.split(",")
    assert {"sick_pay_full_pay_days", "sick_pay_half_pay_days", "reported_on",
            "referral_id"} <= set(names)
    assert [c.name for c in COLUMNS if c.required] == HEADER.split(",")


def test_each_column_says_what_it_accepts() -> None:
    accepted = {column.name: column.accepted for column in COLUMNS}

    assert accepted["first_day"] == "a date, YYYY-MM-DD"
    assert accepted["employee_email"] == "an email address"
    assert accepted["reason_category"] == "one of: musculoskeletal, mental_health, other"
    assert accepted["sick_pay_full_pay_days"] == "a whole number from 0 to 366"
    assert "no spaces" in accepted["absence_id"]


def test_a_good_row_becomes_the_nested_body_the_api_reads() -> None:
    body, problems = _check(_good())

    assert problems == []
    assert body == {
        "employer_id": "acme-trust", "absence_id": "ABS-1",
        "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
        "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
        "first_day": "2026-11-20", "reason_category": "musculoskeletal",
    }


def test_sick_pay_is_sent_only_when_its_cells_are_filled() -> None:
    without, _ = _check(_good(sick_pay_full_pay_days="", sick_pay_half_pay_days=""))
    given, _ = _check(_good(sick_pay_full_pay_days="30", sick_pay_half_pay_days="60"))

    assert without is not None and "sick_pay" not in without
    assert given is not None and given["sick_pay"] == {"full_pay_days": 30, "half_pay_days": 60}


def test_half_of_the_sick_pay_is_named_as_the_missing_column() -> None:
    _, problems = _check(_good(sick_pay_full_pay_days="30"))

    assert problems == [("sick_pay_half_pay_days", "missing")]


def test_cells_are_trimmed_of_spreadsheet_spaces() -> None:
    body, problems = _check(_good(employee_email="  sam@example.org "))

    assert problems == [] and body is not None
    assert body["employee"] == {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"}


@pytest.mark.parametrize(("changes", "column"), [
    ({"first_day": "20/11/2026"}, "first_day"),
    ({"first_day": "2026-02-30"}, "first_day"),
    ({"employee_email": ""}, "employee_email"),
    ({"manager_email": "alex at example"}, "manager_email"),
    ({"reason_category": "flu"}, "reason_category"),
    ({"absence_id": "ABS 1"}, "absence_id"),
    ({"sick_pay_full_pay_days": "-1", "sick_pay_half_pay_days": "0"}, "sick_pay_full_pay_days"),
    ({"employee_name": ""}, "employee_name"),
])
def test_a_bad_cell_is_named_by_its_column(changes: dict[str, str], column: str) -> None:
    body, problems = _check(_good(**changes))

    assert body is None
    assert [name for name, _ in problems] == [column]


def test_every_bad_field_of_a_row_is_named_not_only_the_first() -> None:
    _, problems = _check(_good(employee_email="", first_day="tomorrow", reason_category=""))

    assert sorted(name for name, _ in problems) == ["employee_email", "first_day",
                                                    "reason_category"]
    assert ("employee_email", "missing") in problems


@pytest.mark.parametrize(("location", "column"), [
    (("employee", "email"), "employee_email"),
    (("body", "first_day"), "first_day"),
    (("employee.email",), "employee_email"),
    (("sick_pay", "full_pay_days"), "sick_pay_full_pay_days"),
    (("first_day",), "first_day"),
    (("manager",), "manager_id"),
])
def test_a_field_named_by_the_model_or_the_api_maps_to_its_column(
        location: tuple[str, ...], column: str) -> None:
    assert column_for(location, COLUMNS) == column


def test_rows_carry_the_line_they_start_on() -> None:
    two_lines = '"acme-trust","ABS-2","E1","Sam\nPatel",s@e.org,M,A,a@e.org,2026-11-20,other'
    text = f"{HEADER}\n{GOOD}\n\n{two_lines}\n{GOOD}\n"

    assert [row.line for row in _rows(text)] == [2, 4, 6]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out() -> None:
    names = HEADER.split(",")
    cells = GOOD.split(",")
    text = ",".join(reversed(names)) + "\n" + ",".join(reversed(cells)) + "\n"

    [row] = _rows(text)

    assert row.cells == dict(zip(names, cells, strict=True))


def test_a_row_with_more_cells_than_the_header_is_rejected() -> None:
    [row] = _rows(f"{HEADER}\n{GOOD},extra\n")
    body, problems = _check(row.cells) if not row.overflow else (None, [("", "overflow")])

    assert row.overflow and body is None and problems


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("employer_id,absence_id\nacme,ABS-1\n", "missing required column(s) employee_id"),
    (f"{HEADER},employee_mail\n", "unknown column(s) 'employee_mail'"),
    (f"{HEADER},first_day\n", "column 'first_day' is named twice"),
])
def test_a_file_that_cannot_be_imported_is_one_line(text: str, message: str) -> None:
    with pytest.raises(BadFile, match=r"^" + message.replace("(", r"\(").replace(")", r"\)")):
        _rows(text)


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not CSV (a binary file)"),
    ("employer_id\n".encode("utf-16"), "not CSV"),
])
def test_a_file_that_is_not_csv_text_is_refused(content: bytes, message: str,
                                               tmp_path: Path) -> None:
    path = tmp_path / "absences.csv"
    path.write_bytes(content)

    with pytest.raises(BadFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_file(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BadFile, match="No such file or directory"):
        read_file(tmp_path / "nowhere.csv")


def test_a_spreadsheets_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "absences.csv"
    path.write_bytes(f"{HEADER}\n{GOOD}\n".encode("utf-8-sig"))

    [row] = list(read_rows(read_file(path), COLUMNS))

    assert row.cells["employer_id"] == "acme-trust"


def test_the_same_row_always_sends_the_same_idempotency_key() -> None:
    body, _ = _check(_good())
    again, _ = _check(_good())
    other, _ = _check(_good(manager_email="alex.jones@example.org"))
    assert body is not None and again is not None and other is not None

    assert idempotency_key(body) == idempotency_key(again) != idempotency_key(other)
    assert len(idempotency_key(body)) <= 200


def test_the_rejects_file_is_csv_with_a_line_per_bad_field(tmp_path: Path) -> None:
    _, rejections = check_row(Row(line=7, cells=_good(first_day="x", employee_email="")),
                              COLUMNS, AbsenceNotification)
    path = tmp_path / "rejects.csv"

    write_rejects(path, rejections)

    lines = path.read_text().splitlines()
    assert lines[0] == "line,column,value,problem,accepted"
    assert {line.split(",")[:3][1] for line in lines[1:]} == {"first_day", "employee_email"}
    assert all(line.startswith("7,") for line in lines[1:])
