"""What `rtw audit replay` and `rtw audit export` read of a stored event
(`eventstore.export.audited_view`, by `domain.disclosure.event_for_audit`): clinical content
withheld unless the read is clinical, an erased event's mark kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.disclosure import WITHHELD
from eventstore.export import audited_view, render_views
from eventstore.records import CaseEventRecord
from eventstore.view import EventView

AT = datetime(2026, 11, 23, 10, 31, tzinfo=UTC)


def record(event_type: str, data: dict[str, Any], reason: str) -> CaseEventRecord:
    return CaseEventRecord(
        originator_id=UUID("27087c68-210d-5889-bb89-f26582dd4b50"), originator_version=3,
        timestamp=AT, event_id="e-3", event_type=event_type, occurred_at=AT,
        actor_id="dev-oh", actor_role="oh", source="api", reason=reason, policy_version="p",
        workflow_id="w", run_id="r", trace_id="", data={"type": event_type, **data},
        mac="m-3",
    )


ASSESSED = record("AssessmentRecorded", {"number": 1, "event_version": 2,
                                         "clinical_notes": "Lumbar strain",
                                         "barriers": ["travel to work"]},
                  "early assessment: lumbar strain, improving")


def test_an_assessment_keeps_its_trail_and_withholds_its_notes_and_reason() -> None:
    view, withheld = audited_view(EventView.read(ASSESSED), clinical=False)

    assert (view.data["number"], view.data["clinical_notes"], view.reason) == (
        1, WITHHELD, WITHHELD)
    assert set(withheld) == {"barriers", "clinical_notes", "reason"}
    assert (view.position, view.type, view.actor_id, view.mac) == (
        3, "AssessmentRecorded", "dev-oh", "m-3")
    assert "umbar" not in render_views([view], "jsonl", header=False)


def test_a_clinical_read_shows_the_event_whole() -> None:
    whole = EventView.read(ASSESSED)

    assert audited_view(whole, clinical=True) == (whole, ())


def test_an_erased_event_keeps_its_mark_and_its_reason_is_withheld_by_the_same_rule() -> None:
    erased = replace(ASSESSED, data={"erased": True})

    view, withheld = audited_view(EventView.read(erased), clinical=False)

    assert (view.data, view.reason, withheld) == ({"erased": True}, WITHHELD, ("reason",))
