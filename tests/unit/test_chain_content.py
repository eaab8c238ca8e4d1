"""What an event's MAC covers never changes: every MAC already stored must keep verifying.

`fixtures/chain_event_mac.json` holds one stored event's fields (a `PlanAgreed` of version 1,
with a London offset, microseconds, a correction and text outside ASCII), the MAC before it,
a test key, and the content, canonical bytes and MAC computed by the code of November 2026
before any change to how a stored event is viewed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from eventstore.chain import AuditKey, canonical_json, event_content, event_mac
from eventstore.records import CaseEventRecord

FIXTURE = Path(__file__).parent / "fixtures" / "chain_event_mac.json"


@pytest.fixture
def fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def stored_record(fields: dict[str, Any]) -> CaseEventRecord:
    return CaseEventRecord(
        originator_id=UUID(fields["case_id"]),
        originator_version=fields["position"],
        timestamp=datetime.fromisoformat(fields["recorded_at"]),
        event_id=fields["event_id"],
        event_type=fields["event_type"],
        occurred_at=datetime.fromisoformat(fields["occurred_at"]),
        actor_id=fields["actor_id"],
        actor_role=fields["actor_role"],
        source=fields["source"],
        reason=fields["reason"],
        policy_version=fields["policy_version"],
        workflow_id=fields["workflow_id"],
        run_id=fields["run_id"],
        trace_id=fields["trace_id"],
        data=fields["data"],
        corrects_event_id=fields["corrects_event_id"],
    )


def test_the_mac_covers_the_same_fields_and_values_as_when_it_was_written(
    fixture: dict[str, Any],
) -> None:
    record = stored_record(fixture["record"])

    content = event_content(record, fixture["previous_mac"])

    assert content == fixture["content"]
    assert canonical_json(content).decode() == fixture["canonical"]


def test_the_mac_of_a_stored_event_is_unchanged(fixture: dict[str, Any]) -> None:
    record = stored_record(fixture["record"])
    key = AuditKey.from_base64(fixture["audit_key"])

    assert event_mac(key, record, fixture["previous_mac"]) == fixture["mac"]


def test_the_mac_covers_the_data_as_stored_not_as_upcast(fixture: dict[str, Any]) -> None:
    record = stored_record(fixture["record"])

    content = event_content(record, fixture["previous_mac"])

    assert content["data"]["version"] == 2  # version 1 of PlanAgreed, as it was written
    assert "plan_version" not in content["data"]
