"""A case's record read through the API checks its MACs: a tampered event is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.metrics import REGISTRY
from localstack.samples import store_case
from tests.integration.test_read_check import forge
from tests.support.api_harness import ApiStack, auth

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


def alerts() -> float:
    return REGISTRY.get_sample_value("rtw_quarantines_total", {"projection": "chain_read"}) or 0.0


async def test_a_tampered_event_is_not_shown_but_answered_as_a_failed_verification(
    api: ApiStack, store: CaseEventStore, database_url: str
) -> None:
    case_id = store_case(store, "ABS-API-RC", 3, OPENED)
    before = await api.http.get(f"/v1/cases/{case_id}/notes", headers=auth(Role.OH))
    raised = alerts()
    forge(store, database_url, case_id, 2, "a forged reason")

    after = await api.http.get(f"/v1/cases/{case_id}/notes", headers=auth(Role.OH))

    assert before.status_code == 200, before.text
    assert after.status_code == 500
    assert after.headers["content-type"].startswith("application/problem+json")
    assert "the case's record failed verification" in after.json()["detail"]
    assert "a forged reason" not in after.text
    assert alerts() == raised + 1
