"""The access log on a real PostgreSQL: it cannot be emptied, rewritten or forged with a line
break, and an older table is brought up to date."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import asyncpg
import psycopg
import pytest

from readside.access_log import (
    Access,
    iter_access_sync,
    list_access,
    record_access,
    record_access_sync,
)
from tests.integration.conftest import Rtw

CASE = "829c61e2-4c82-5310-98f8-f6e4f9f7ea32"
FORGED = "1999-01-01T10:00:00+00:00  api  127.0.0.1  intruder (oh)  case.read"


def a_read(**overrides: str) -> Access:
    fields = {"subject": "test-auditor", "role": "auditor", "action": "case.history",
              "case_id": CASE, "channel": "api", "client": "127.0.0.1", "detail": "position=2"}
    return Access(**(fields | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize("statement", [
    "TRUNCATE rtw_access_log",
    "TRUNCATE rtw_access_log RESTART IDENTITY CASCADE",
    "DELETE FROM rtw_access_log",
    "UPDATE rtw_access_log SET subject = 'someone else'",
])
def test_the_database_refuses_to_empty_or_rewrite_the_log(database_url: str,
                                                           statement: str) -> None:
    record_access_sync(database_url, a_read())

    with psycopg.connect(database_url) as connection, pytest.raises(
            psycopg.errors.RaiseException, match="on rtw_access_log refused: it is append-only"):
        connection.execute(statement)

    assert [row["subject"] for row in iter_access_sync(database_url)] == ["test-auditor"]


@pytest.mark.parametrize("column", ["subject", "action", "client", "detail", "purpose"])
def test_the_database_refuses_a_row_with_a_line_break_in_any_text(database_url: str,
                                                                   column: str) -> None:
    record_access_sync(database_url, a_read())  # the table exists
    values = {"subject": "s", "role": "auditor", "action": "a", "channel": "api",
              "client": "c", "detail": "", "purpose": "for a review"} | {
        column: f"x\n{FORGED}"}

    with psycopg.connect(database_url) as connection, pytest.raises(
            psycopg.errors.CheckViolation, match="rtw_access_log_printable"):
        connection.execute(
            "INSERT INTO rtw_access_log (subject, role, action, channel, client, detail, "
            "purpose) VALUES (%(subject)s, %(role)s, %(action)s, %(channel)s, %(client)s, "
            "%(detail)s, %(purpose)s)", values)


def test_a_line_break_in_a_logged_name_cannot_make_a_second_entry_in_any_listing(
        rtw: Rtw, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    record_access_sync(database_url, replace(
        a_read(subject=f"evil\n{FORGED}", detail=f"as_of=x\r\n{FORGED}"),
        status=403, purpose=f"a review\n{FORGED}"))
    monkeypatch.setenv("LOGNAME", f"operator\n{FORGED}")  # the CLI's reader is the OS user
    monkeypatch.setenv("USER", f"operator\n{FORGED}")

    code, text, _ = rtw("audit", "access-log")
    json_code, lines, _ = rtw("audit", "access-log", "--format", "json")

    assert code == 0 and json_code == 0
    entries = [json.loads(line) for line in lines.splitlines()]
    # the planted read and the two listings, each one line, none starting like an entry forged
    assert len(text.splitlines()) == 2 and len(entries) == 3
    assert not any(line.startswith(FORGED[:10]) for line in text.splitlines())
    assert entries[0]["subject"] == f"evil\\x0a{FORGED}"
    assert entries[0]["detail"] == f"as_of=x\\x0d\\x0a{FORGED}"
    assert entries[1]["subject"].startswith("operator\\x0a")
    assert f"status=403  purpose=a review\\x0a{FORGED}" in text.splitlines()[0]


OLD_TABLE = """
CREATE TABLE rtw_access_log (
    id bigserial PRIMARY KEY, accessed_at timestamptz NOT NULL DEFAULT now(),
    subject text NOT NULL, role text NOT NULL, action text NOT NULL, case_id uuid,
    channel text NOT NULL, client text NOT NULL, detail text NOT NULL DEFAULT '');
INSERT INTO rtw_access_log (subject, role, action, channel, client)
    VALUES ('early', 'auditor', 'case.history', 'cli', 'cli:early');
"""


def test_a_log_made_by_an_earlier_rtw_keeps_its_rows_and_gains_the_guards(
        database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(OLD_TABLE)

    record_access_sync(database_url, a_read())

    assert [row["subject"] for row in iter_access_sync(database_url)] == ["early",
                                                                         "test-auditor"]
    with psycopg.connect(database_url) as connection, pytest.raises(
            psycopg.errors.RaiseException, match="TRUNCATE on rtw_access_log refused"):
        connection.execute("TRUNCATE rtw_access_log")


OTHER_CASE = "0b6f8d2e-5c1a-5d3e-9f4b-2a7c8e1d0f36"


async def test_a_search_of_the_log_lists_only_the_reads_of_the_readers_employers(
        pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO rtw_worklist (case_id, employer_id, route, stage, manager_id, "
        "opened_at, version) "
        "VALUES ($1, $2, 'rtw', 'early_contact', 'M1', now(), 1)",
        [(uuid.UUID(CASE), "acme-trust"), (uuid.UUID(OTHER_CASE), "other-trust")])
    for read in (a_read(subject="ours"), a_read(subject="theirs", case_id=OTHER_CASE),
                 replace(a_read(subject="our worklist", case_id=""), employers=("acme-trust",)),
                 replace(a_read(subject="their worklist", case_id=""),
                         employers=("other-trust",))):
        await record_access(pool, read)

    mine = await list_access(pool, employers=("acme-trust",))
    everything = await list_access(pool)

    assert [row["subject"] for row in mine] == ["ours", "our worklist"]
    assert len(everything) == 4
    assert await list_access(pool, employers=()) == []
