"""Legal holds on a real PostgreSQL: `rtw privacy hold | release | holds` (bad input one line
and exit 2 with nothing changed; a second live hold or a release without one exit 1), the
table that keeps every hold (never deleted, released once), the retention query that leaves a
held employee's cases out, and the subject access export that shows the holds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import psycopg
import pytest
from psycopg.rows import dict_row

from domain.ids import employee_key
from eventstore.store import CaseEventStore
from localstack.samples import EMPLOYEE, store_case
from readside.legal_holds import HoldRefused, LegalHolds
from readside.retention_query import RetentionQuery
from tests.integration.conftest import Rtw
from tests.support.closed_cases import closed_case

TRIBUNAL = "employment tribunal claim ref ET/2026/114"
HOLD = ("privacy", "hold", "--employer", "acme-trust", "--employee-id", "E1001")
RELEASE = ("privacy", "release", "--employer", "acme-trust", "--employee-id", "E1001")


def rows(database_url: str, table: str = "rtw_legal_holds") -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        if connection.execute("SELECT to_regclass(%s)", (table,)).fetchone() == {
                "to_regclass": None}:
            return []
        return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608


@pytest.mark.parametrize(("argv", "line"), [
    ((*HOLD, "--reason", "  "), "rtw privacy hold: --reason: give 1 to 500 printable characters"),
    ((*HOLD, "--reason", "x" * 501),
     "rtw privacy hold: --reason: give 1 to 500 printable characters"),
    ((*HOLD, "--reason", "claim\nby Sam"),
     "rtw privacy hold: --reason: give 1 to 500 printable characters"),
    (("privacy", "hold", "--employer", "", "--employee-id", "E1001", "--reason", TRIBUNAL),
     "rtw privacy hold: --employer: give 1 to 100 printable characters"),
    (("privacy", "hold", "--employer", "acme-trust", "--employee-id", "E\t1", "--reason",
      TRIBUNAL), "rtw privacy hold: --employee-id: give 1 to 100 printable characters"),
    ((*HOLD, "--reason", TRIBUNAL, "--placed-by", "y" * 201),
     "rtw privacy hold: --placed-by: give 1 to 200 printable characters"),
    ((*RELEASE, "--reason", ""),
     "rtw privacy release: --reason: give 1 to 500 printable characters"),
    ((*RELEASE, "--reason", "settled", "--released-by", " "),
     "rtw privacy release: --released-by: give 1 to 200 printable characters"),
    (("privacy", "holds", "--employer", "\x1b[2J"),
     "rtw privacy holds: --employer: give 1 to 100 printable characters"),
])
def test_bad_input_is_one_line_naming_the_flag_exit_2_and_changes_nothing(
        rtw: Rtw, database_url: str, argv: tuple[str, ...], line: str) -> None:
    code, out, err = rtw(*argv)

    assert (code, out, err) == (2, "", line + "\n")
    assert rows(database_url) == []
    assert rows(database_url, "rtw_access_log") == []


def test_a_hold_is_placed_refused_twice_released_and_placed_again_keeping_history(
        rtw: Rtw, database_url: str) -> None:
    key = employee_key("acme-trust", "E1001")

    code, out, err = rtw(*HOLD, "--reason", TRIBUNAL, "--placed-by", "dpo@acme")
    assert code == 0, err
    assert f"placed on employee {key} of acme-trust" in out and "E1001" not in out

    code, out, err = rtw(*HOLD, "--reason", "a second claim")
    assert (code, out) == (1, "")
    assert err.startswith("rtw privacy hold: the employee is under a legal hold already "
                          "(placed ")
    assert err.endswith(f"by dpo@acme (reason: {TRIBUNAL})); release it first to place "
                        "another; nothing changed\n")

    assert rtw(*RELEASE, "--reason", "claim settled", "--released-by", "dpo@acme")[0] == 0
    code, _, err = rtw(*RELEASE, "--reason", "claim settled")
    assert code == 1
    assert err == ("rtw privacy release: the employee has no live legal hold at that "
                   "employer; nothing changed\n")
    assert rtw(*HOLD, "--reason", "personal injury claim ref PI-88")[0] == 0

    stored = rows(database_url)
    assert [(r["reason"], r["released_by"], r["release_reason"]) for r in stored] == [
        (TRIBUNAL, "dpo@acme", "claim settled"),
        ("personal injury claim ref PI-88", None, None)]
    assert {str(r["employee_key"]) for r in stored} == {key}
    assert "E1001" not in str(stored)


async def test_the_database_keeps_every_hold_and_its_release_once(pool: asyncpg.Pool) -> None:
    holds = LegalHolds(pool)
    hold = await holds.place("acme-trust", "E1001", reason=TRIBUNAL, placed_by="dpo")
    with pytest.raises(HoldRefused):
        await holds.place("acme-trust", "E1001", reason=TRIBUNAL, placed_by="dpo")
    with pytest.raises(asyncpg.RaiseError, match="released, never deleted"):
        await pool.execute("DELETE FROM rtw_legal_holds")
    with pytest.raises(asyncpg.RaiseError, match="only its release"):
        await pool.execute("UPDATE rtw_legal_holds SET reason = 'something else'")
    await holds.release("acme-trust", "E1001", reason="settled", released_by="dpo")
    with pytest.raises(asyncpg.RaiseError, match="released already"):
        await pool.execute("UPDATE rtw_legal_holds SET release_reason = 'other'")
    with pytest.raises(asyncpg.RaiseError, match="never deleted"):
        await pool.execute("TRUNCATE rtw_legal_holds")

    assert [h.hold_id for h in await holds.listed(include_released=True)] == [hold.hold_id]
    assert await holds.live("acme-trust", "E1001") is None


def test_holds_lists_live_ones_and_with_all_the_released_too_by_key(
        rtw: Rtw, database_url: str) -> None:
    rtw(*HOLD, "--reason", TRIBUNAL, "--placed-by", "dpo@acme")
    rtw(*RELEASE, "--reason", "claim settled", "--released-by", "dpo@acme")
    rtw("privacy", "hold", "--employer", "beacon-trust", "--employee-id", "E2002",
        "--reason", "inquiry ref 9", "--placed-by", "dpo@beacon")
    rtw("privacy", "hold", "--employer", "acme-trust", "--employee-id", "E3003",
        "--reason", "personal injury claim ref PI-88", "--placed-by", "dpo@acme")

    code, out, _ = rtw("privacy", "holds", "--json")
    assert code == 0
    live = json.loads(out)["holds"]
    assert [(h["employer_id"], h["employee_key"], h["reason"], h["released_at"])
            for h in live] == [
        ("acme-trust", employee_key("acme-trust", "E3003"), "personal injury claim ref PI-88",
         None),
        ("beacon-trust", employee_key("beacon-trust", "E2002"), "inquiry ref 9", None)]
    assert {h["placed_by"] for h in live} == {"dpo@acme", "dpo@beacon"}
    assert all(datetime.fromisoformat(h["placed_at"]).tzinfo for h in live)

    code, out, _ = rtw("privacy", "holds", "--employer", "acme-trust", "--all", "--json")
    every = json.loads(out)["holds"]
    assert [(h["employee_key"], h["released_by"], h["release_reason"]) for h in every] == [
        (employee_key("acme-trust", "E1001"), "dpo@acme", "claim settled"),
        (employee_key("acme-trust", "E3003"), None, None)]
    assert "E1001" not in out and "E3003" not in out

    code, out, _ = rtw("privacy", "holds", "--employer", "acme-trust", "--all")
    assert code == 0
    assert len(out.splitlines()) == 2
    assert "released " in out.splitlines()[0] and "by dpo@acme (reason: claim settled)" in out
    # Listing the holds is a read of data about people: it is in the access log.
    logged = rows(database_url, "rtw_access_log")
    assert [(r["action"], r["detail"]) for r in logged] == [
        ("privacy.holds", "employer=* all=False"),
        ("privacy.holds", "employer=acme-trust all=True"),
        ("privacy.holds", "employer=acme-trust all=True")]


async def test_the_retention_query_leaves_a_held_employees_cases_out_and_counts_them(
        pool: asyncpg.Pool) -> None:
    held = await closed_case(pool, "acme-trust", date(2019, 6, 1), employee_id="E1001")
    other = await closed_case(pool, "acme-trust", date(2019, 7, 1), employee_id="E2002")
    elsewhere = await closed_case(pool, "beacon-trust", date(2019, 6, 1), employee_id="E1001")
    holds, query = LegalHolds(pool), RetentionQuery(pool)
    cutoffs = {"acme-trust": date(2020, 1, 1), "beacon-trust": date(2020, 1, 1)}
    await holds.place("acme-trust", "E1001", reason=TRIBUNAL, placed_by="dpo")

    found = await query.expired_closed_cases(cutoffs=cutoffs, other_employers=date.min)
    assert [c.case_id for c in found] == [elsewhere, other]
    assert await query.held_back_cases(cutoffs=cutoffs, other_employers=date.min) == 1

    await holds.release("acme-trust", "E1001", reason="settled", released_by="dpo")
    found = await query.expired_closed_cases(cutoffs=cutoffs, other_employers=date.min)
    assert held in {c.case_id for c in found}
    assert await query.held_back_cases(cutoffs=cutoffs, other_employers=date.min) == 0


def test_the_subject_access_export_shows_the_persons_holds(
        rtw: Rtw, store: CaseEventStore) -> None:
    store_case(store, "ABS-SAR-H", 2, datetime(2026, 11, 20, 9, tzinfo=UTC))
    rtw(*HOLD, "--reason", TRIBUNAL, "--placed-by", "dpo@acme")
    rtw(*RELEASE, "--reason", "claim settled", "--released-by", "dpo@acme")
    rtw(*HOLD, "--reason", "personal injury claim ref PI-88", "--placed-by", "dpo@acme")
    rtw("privacy", "hold", "--employer", "acme-trust", "--employee-id", "E2002",
        "--reason", "someone else's claim")

    code, out, err = rtw("privacy", "export", "--employer", "acme-trust", "--employee-id",
                         EMPLOYEE.id)

    assert code == 0, err
    holds = json.loads(out)["legal_holds"]
    assert [(h["reason"], h["placed_by"], h["release_reason"]) for h in holds] == [
        (TRIBUNAL, "dpo@acme", "claim settled"),
        ("personal injury claim ref PI-88", "dpo@acme", None)]
    assert "2 legal hold(s), 1 live" in err
