"""A store written by the code of commit 5224285, read by today's: nothing stored is rewritten.

That code wrote events without `event_version`, and `PlanAgreed` with the plan's number as
`version` (today `plan_version`, lifted by an upcaster on read). `fixtures/store_5224285.json`
holds the rows of its event-store tables (`rtw_events`, states base64, and `rtw_chain_heads`)
for three cases: one reminded, one with a plan agreed, one with the plan revised and reviewed.
It was made by running `fixtures/write_store.py` on a checkout of that commit ($RTW is this
repository):

    git worktree add --detach /tmp/old-rtw 5224285
    python3 -m venv /tmp/old-rtw/.venv && /tmp/old-rtw/.venv/bin/pip install -e /tmp/old-rtw
    cd /tmp/old-rtw && PYTHONPATH=. .venv/bin/python \\
        "$RTW/tests/integration/fixtures/write_store.py" \\
        "$RTW/tests/integration/fixtures/store_5224285.json"
    git worktree remove --force /tmp/old-rtw
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from domain.actors import Actor, Role, Source
from domain.commands import RecordPlanReview
from domain.decide import decide
from domain.events import PlanAgreed, parse_event
from eventstore.export import export_text
from eventstore.replay import replay
from eventstore.store import CaseEventStore, NewCaseEvent
from eventstore.verify import verify_cases
from tests.support.kept_stores import KeptStore, load_kept_store

NURSE = Actor(id="OHN-7", role=Role.OH, source=Source.API)


@pytest.fixture
def kept(store: CaseEventStore, database_url: str) -> KeptStore:
    return load_kept_store(database_url)


def test_every_chain_written_by_the_earlier_code_still_verifies(
    store: CaseEventStore, kept: KeptStore
) -> None:
    verdicts = {v.case_id: v for v in verify_cases(store)}

    assert {case_id: v.events for case_id, v in verdicts.items()} == {
        kept.cases[absence_id]: count for absence_id, count in kept.events.items()
    }
    assert [v.broken for v in verdicts.values()] == [None, None, None]


def test_every_case_replays_with_its_plan_agreements_read_in_todays_shape(
    store: CaseEventStore, kept: KeptStore
) -> None:
    final = {absence_id: replay(store.history(case_id))[-1].state
             for absence_id, case_id in kept.cases.items()}
    revised = store.history(kept.cases["ABS-REVISED"])

    assert final["ABS-REMINDED"].contact_reminders_sent == 1
    assert final["ABS-PLAN"].plan is not None and final["ABS-PLAN"].plan.version == 1
    plan = final["ABS-REVISED"].plan
    assert plan is not None and plan.version == 2 and plan.reviewed_on == (date(2026, 11, 26),)
    assert [p.version for p in final["ABS-REVISED"].plan_history] == [1]
    agreed = [parse_event(r.data) for r in revised if r.event_type == "PlanAgreed"]
    assert [(e.plan_version, e.event_version) for e in agreed
            if isinstance(e, PlanAgreed)] == [(1, 2), (2, 2)]


def test_the_stored_rows_keep_the_shape_they_were_written_in(
    store: CaseEventStore, kept: KeptStore
) -> None:
    agreed = [r.data for r in store.history(kept.cases["ABS-REVISED"])
              if r.event_type == "PlanAgreed"]

    assert [(d.get("version"), d.get("plan_version"), d.get("event_version"))
            for d in agreed] == [(1, None, None), (2, None, None)]


def test_the_export_shows_todays_shape_with_the_macs_as_stored(
    store: CaseEventStore, kept: KeptStore
) -> None:
    lines = [json.loads(line) for line in "".join(export_text(store, "jsonl")).splitlines()]
    rows = list(csv.DictReader(io.StringIO("".join(export_text(store, "csv")))))

    macs = {r.event_id: r.mac for case_id in kept.cases.values() for r in store.history(case_id)}
    assert len(lines) == len(rows) == sum(kept.events.values())
    assert {line["event_id"]: line["mac"] for line in lines} == macs
    for agreed in ([line["data"] for line in lines if line["type"] == "PlanAgreed"],
                   [json.loads(row["data"]) for row in rows if row["type"] == "PlanAgreed"]):
        assert [(d["plan_version"], d["event_version"], "version" in d) for d in agreed] == [
            (1, 2, False), (1, 2, False), (2, 2, False)
        ]


def test_todays_code_continues_a_chain_written_by_the_earlier_code(
    store: CaseEventStore, kept: KeptStore
) -> None:
    case_id = kept.cases["ABS-REVISED"]
    records = store.history(case_id)
    state = replay(records)[-1].state
    reviewed_at = datetime(2026, 12, 7, 12, tzinfo=UTC)
    [review] = decide(state, RecordPlanReview(reviewed_on=reviewed_at.date(), on_track=True),
                      now=reviewed_at, actor=NURSE)

    outcome = store.append(
        case_id=case_id, first_position=len(records) + 1, policy_version="default-2026-04",
        workflow_id=case_id, run_id="run-2",
        events=[NewCaseEvent.of(review, event_id="5224285d-0000-4000-8000-0000000000ff")],
    )

    [verdict] = verify_cases(store, case_id)
    assert outcome.appended == 1
    assert verdict.broken is None and verdict.events == len(records) + 1
