"""`rtw audit …` against a real PostgreSQL: replay as of a moment, verify, export, access log."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

import eventstore.export
from domain.disclosure import WITHHELD
from eventstore.store import CaseEventStore
from localstack.samples import store_case
from tests.integration.conftest import Rtw
from tests.support.kept_stores import load_kept_store
from tests.support.stored_cases import tamper

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
PURPOSE = "Clinical governance review CG-2026-31, item 4"
CLINICAL = "musculoskeletal"  # the absence's reason category: clinical, in the opening event


@pytest.fixture
def case_id(store: CaseEventStore) -> str:
    """Opened 09:00, reminders at 10:00, 11:00, 12:00; each recorded a minute later."""
    return store_case(store, "ABS-CLI", 4, OPENED)


def test_replay_as_of_a_moment_shows_only_what_was_recorded_by_then(
    rtw: Rtw, case_id: str
) -> None:
    code, out, _ = rtw("audit", "replay", case_id, "--as-of", "2026-11-20T10:30:00+00:00",
                       "--format", "json", "--clinical", "--purpose", PURPOSE)

    steps = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [s["position"] for s in steps] == [1, 2]
    assert steps[1]["type"] == "ManagerRemindedOfContact"
    assert steps[1]["deadline"] == "2026-11-21T09:00:00Z"
    assert "[deadline 2026-11-21T09:00:00Z]" in steps[1]["why"]
    assert steps[1]["state_after"]["contact_reminders_sent"] == 1


def test_replay_of_a_case_written_by_earlier_code_shows_its_data_in_todays_shape(
    rtw: Rtw, store: CaseEventStore, database_url: str
) -> None:
    case_id = load_kept_store(database_url).cases["ABS-REVISED"]

    code, out, _ = rtw("audit", "replay", case_id, "--format", "json", "--clinical",
                       "--purpose", PURPOSE)
    verified, verdict, _ = rtw("audit", "verify", case_id)

    steps = [json.loads(line) for line in out.splitlines()]
    agreed = [s["data"] for s in steps if s["type"] == "PlanAgreed"]
    assert code == 0 and verified == 0 and "every chain holds" in verdict
    assert [(d["plan_version"], d["event_version"], "version" in d) for d in agreed] == [
        (1, 2, False), (2, 2, False)
    ]
    assert steps[-1]["state_after"]["plan"]["version"] == 2


def test_replay_up_to_a_position_prints_the_timeline_with_the_stage_after_each(
    rtw: Rtw, case_id: str
) -> None:
    code, out, _ = rtw("audit", "replay", case_id, "--position", "3")

    lines = out.splitlines()
    assert code == 0
    assert lines[0] == f"case {case_id} up to position 3: 3 events (clinical content withheld)"
    assert lines[1].split()[:5] == ["#", "recorded_at", "occurred_at", "type", "actor"]
    assert len(lines) == 5
    assert "early_contact" in lines[4] and "deadline 2026-11-21T09:00:00Z" in lines[4]


def test_replay_as_of_a_date_means_the_end_of_that_london_day(
    rtw: Rtw, case_id: str
) -> None:
    _, on_the_day, _ = rtw("audit", "replay", case_id, "--as-of", "2026-11-20", "--format", "json")
    _, day_before, _ = rtw("audit", "replay", case_id, "--as-of", "2026-11-19", "--format", "json")

    assert len(on_the_day.splitlines()) == 4
    assert day_before == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replay", "not-a-case"], "CASE_ID must be a case id (a UUID)"),
        (["replay", "{case}", "--as-of", "2026-11-20T10:30:00"], "--as-of: '2026-11-20T10:30:00' "
                                                                 "has no offset"),
        (["replay", "{case}", "--as-of", "yesterday"], "--as-of: 'yesterday' is not an ISO 8601"),
        (["replay", "{case}", "--position", "0"], "--position must be a whole number from 1"),
        (["verify"], "give one CASE_ID or --all"),
        (["export", "--from", "2026-11-20"], "give both --from and --to"),
        (["export", "--from", "2026-11-21", "--to", "2026-11-20"], "'from' must be on or before"),
        (["access-log", "--case", "x"], "--case must be a case id"),
        (["replay", "{case}", "--clinical"], "--clinical needs --purpose TEXT"),
        (["export", "--clinical", "--purpose", "  "], "--clinical needs --purpose TEXT"),
        (["export", "--clinical", "--purpose", "audit"], "--purpose: give 10 to 500 characters"),
        (["replay", "{case}", "--purpose", "x" * 501], "--purpose: give 10 to 500 characters"),
        (["replay", "{case}", "--clinical", "--purpose", "review\nforged entry"],
         "--purpose: printable characters on one line only"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    rtw: Rtw, case_id: str, argv: list[str], message: str, database_url: str
) -> None:
    code, out, err = rtw("audit", *[a.replace("{case}", case_id) for a in argv])

    assert code == 2
    assert message in err and len(err.splitlines()) == 1
    assert out == ""
    with psycopg.connect(database_url) as connection:
        logged = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'rtw_access_log'").fetchone()
    assert logged == (0,)  # refused before anything was read or written


def test_verify_all_passes_then_names_the_broken_case_and_position(
    rtw: Rtw, case_id: str, store: CaseEventStore, database_url: str
) -> None:
    other = store_case(store, "ABS-CLI-2", 2, OPENED)
    ok_code, ok_out, _ = rtw("audit", "verify", "--all")
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
           "AND originator_version = 3", case_id)

    bad_code, bad_out, _ = rtw("audit", "verify", "--all")
    one_code, _, _ = rtw("audit", "verify", other)

    assert ok_code == 0 and "verified 2 case(s), 6 event(s): every chain holds" in ok_out
    assert bad_code == 1
    assert f"BROKEN case {case_id} at position 3: event at position 3 is missing" in bad_out
    assert one_code == 0


def test_export_of_a_case_as_csv_has_every_audit_column(
    rtw: Rtw, case_id: str
) -> None:
    code, out, _ = rtw("audit", "export", "--case", case_id, "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["position"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[1]["reason"].startswith("no early contact by the deadline")
    assert rows[1]["mac"] and rows[1]["policy_version"] == "default-2026-04"
    assert json.loads(rows[0]["data"])["type"] == "CaseOpened"
    assert json.loads(rows[0]["data"])["reason_category"] == WITHHELD


def without_policy(read: Any) -> Any:
    """The read without the employer's policy that opened the case (its rules name conditions
    in general, nothing of the employee)."""
    if isinstance(read, dict):
        return {key: without_policy(value) for key, value in read.items() if key != "policy"}
    if isinstance(read, list):
        return [without_policy(value) for value in read]
    return read


def events_read(out: str) -> str:
    """What an audit read printed, JSON lines or CSV rows, each event's policy left out."""
    if out.startswith("case_id,"):
        reads = [row | {"data": json.loads(row["data"])}
                 for row in csv.DictReader(io.StringIO(out))]
    else:
        reads = [json.loads(line) for line in out.splitlines()]
    return json.dumps(without_policy(reads))


@pytest.mark.parametrize("output", [["replay", "{case}", "--format", "json"],
                                    ["export", "--case", "{case}"],
                                    ["export", "--format", "csv"]])
def test_an_audit_read_withholds_clinical_content_by_default(
    rtw: Rtw, case_id: str, output: list[str]
) -> None:
    argv = [a.replace("{case}", case_id) for a in output]
    whole, shown, _ = rtw("audit", *argv, "--clinical", "--purpose", PURPOSE)
    code, out, _ = rtw("audit", *argv)

    assert (whole, code) == (0, 0)
    assert CLINICAL in events_read(shown)
    assert CLINICAL not in events_read(out)
    assert case_id in out and "CaseOpened" in out  # the trail itself is all there
    assert len(out.splitlines()) == len(shown.splitlines())


def test_a_redacted_replay_names_what_it_withholds_and_keeps_the_trail(
    rtw: Rtw, case_id: str
) -> None:
    code, out, _ = rtw("audit", "replay", case_id, "--format", "json", "--purpose", PURPOSE)

    steps = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert steps[0]["data"]["reason_category"] == WITHHELD
    assert "reason_category" in steps[0]["withheld"]
    assert [s["stage_after"] for s in steps] == ["early_contact"] * 4
    assert all("state_after" not in s for s in steps)  # the case state holds clinical detail
    assert steps[1]["withheld"] == [] and steps[1]["deadline"] == "2026-11-21T09:00:00Z"


def test_a_clinical_read_keeps_its_purpose_in_the_access_log(
    rtw: Rtw, case_id: str
) -> None:
    rtw("audit", "replay", case_id, "--clinical", "--purpose", f"  {PURPOSE} ")
    rtw("audit", "export", "--case", case_id, "--clinical", "--purpose", PURPOSE)
    rtw("audit", "export", "--case", case_id, "--purpose", PURPOSE)
    rtw("audit", "replay", case_id)

    code, out, _ = rtw("audit", "access-log", "--case", case_id, "--format", "json")

    entries = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(e["action"], e["role"], e["purpose"]) for e in entries] == [
        ("case.history", "clinical_auditor", PURPOSE),
        ("audit.export", "clinical_auditor", PURPOSE),
        ("audit.export", "auditor", PURPOSE),  # named, but an auditor's read stays redacted
        ("case.history", "auditor", None),
        ("audit.access-log", "auditor", None),
    ]
    _, text, _ = rtw("audit", "access-log", "--case", case_id)
    assert f"purpose={PURPOSE}" in text.splitlines()[0]


def test_export_between_dates_pages_through_every_case(
    rtw: Rtw, store: CaseEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventstore.export, "PAGE_SIZE", 2)
    inside = [store_case(store, f"ABS-IN-{n}", 3, OPENED) for n in range(3)]
    store_case(store, "ABS-LATER", 2, datetime(2026, 12, 2, 9, tzinfo=UTC))

    code, out, _ = rtw("audit", "export", "--from", "2026-11-01", "--to", "2026-11-30",
                       "--format", "jsonl")

    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert sorted({line["case_id"] for line in lines}) == sorted(inside)
    assert len(lines) == 9


def test_access_log_lists_each_cli_read_with_the_os_user(
    rtw: Rtw, case_id: str
) -> None:
    rtw("audit", "replay", case_id, "--position", "2")
    rtw("audit", "export", "--case", case_id)

    code, out, _ = rtw("audit", "access-log", "--case", case_id, "--format", "json")

    entries = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(e["action"], e["channel"], e["case_id"]) for e in entries] == [
        ("case.history", "cli", case_id),
        ("audit.export", "cli", case_id),
        ("audit.access-log", "cli", case_id),  # reading the log is itself a read
    ]
    assert entries[0]["client"].startswith("cli:") and entries[0]["detail"] == "position=2"


def test_the_access_log_cannot_be_rewritten(rtw: Rtw, case_id: str, database_url: str) -> None:
    rtw("audit", "replay", case_id)

    with psycopg.connect(database_url) as connection, pytest.raises(
        psycopg.errors.RaiseException, match="append-only"
    ):
        connection.execute("DELETE FROM rtw_access_log")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "RTW_AUDIT_HMAC_KEY is not set"),
        ("not base64!", "RTW_AUDIT_HMAC_KEY must be base64"),
        ("YWJj", "RTW_AUDIT_HMAC_KEY must decode to at least 16 bytes"),
    ],
)
def test_a_missing_or_unusable_audit_key_is_one_clear_line(
    rtw: Rtw, monkeypatch: pytest.MonkeyPatch, key: str, message: str
) -> None:
    monkeypatch.setenv("RTW_AUDIT_HMAC_KEY", key)

    code, _, err = rtw("audit", "verify", "--all")

    assert code == 2
    assert message in err and len(err.splitlines()) == 1
