"""One view of a stored event: readers see today's shape, the chain covers what was stored, and
the history answer, the export and the chain all take their fields from the view."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from api.models import HistoryEntry
from eventstore.chain import CHAINED, event_content
from eventstore.export import render
from eventstore.records import CaseEventRecord
from eventstore.view import COLUMNS, EventView

PLAN_AGREED_V1 = Path(__file__).parent / "fixtures" / "plan_agreed_v1.json"
RECORDED = datetime(2026, 11, 23, 10, 31, tzinfo=UTC)


def plan_agreed_v1() -> CaseEventRecord:
    data = json.loads(PLAN_AGREED_V1.read_text())
    return CaseEventRecord(
        originator_id=UUID("27087c68-210d-5889-bb89-f26582dd4b50"), originator_version=5,
        timestamp=RECORDED, event_id="e-5", event_type="PlanAgreed",
        occurred_at=datetime.fromisoformat(data["occurred_at"]), actor_id="dev-oh",
        actor_role="oh", source="api", reason=data["reason"], policy_version="p",
        workflow_id="w", run_id="r", trace_id="", data=data, mac="m-5",
    )


def test_readers_see_the_data_in_todays_shape() -> None:
    view = EventView.read(plan_agreed_v1())

    assert view.data["plan_version"] == 2 and view.data["event_version"] == 2
    assert "version" not in view.data


def test_the_chain_covers_the_data_as_stored() -> None:
    record = plan_agreed_v1()

    content = event_content(record, previous_mac="m-4")

    assert content["data"] == record.data and content["data"]["version"] == 2
    assert EventView.stored(record).data is record.data


def test_the_chain_covers_every_field_of_the_view_but_the_derived_deadline_and_the_mac() -> None:
    # A field added to the view must not join the MAC of stored events: it would break them all.
    assert set(COLUMNS) - set(CHAINED) == {"deadline", "mac"}
    assert set(CHAINED) <= set(COLUMNS)


def test_the_history_answer_carries_every_field_of_the_view_but_the_case_id() -> None:
    view = EventView.read(plan_agreed_v1())

    entry = HistoryEntry.of(view, stage_after="rehabilitation")

    assert set(HistoryEntry.model_fields) == (set(COLUMNS) - {"case_id"}) | {"why",
                                                                            "stage_after"}
    assert entry.data == view.data and entry.mac == "m-5" and entry.recorded_at == RECORDED


def test_the_export_has_a_column_for_every_field_of_the_view_in_todays_shape() -> None:
    [row] = csv.DictReader(io.StringIO(render([plan_agreed_v1()], "csv", header=True)))
    line = json.loads(render([plan_agreed_v1()], "jsonl", header=False))

    assert list(row) == list(COLUMNS) and set(line) == set(COLUMNS)
    assert json.loads(row["data"])["plan_version"] == line["data"]["plan_version"] == 2
