"""A case's record read through the API checks its MACs: a tampered event is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.metrics import REGISTRY
from localstack.samples import store_case
from tests.integration.test_read_check import forge
from tests.support.api_harness import ELSEWHERE, ApiStack, auth

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


async def test_a_tampered_case_of_another_employer_is_a_missing_case_to_an_auditor(
    api: ApiStack, store: CaseEventStore, database_url: str
) -> None:
    theirs = store_case(store, "ABS-ELSEWHERE-RC", 3, OPENED, employer_id=ELSEWHERE)
    ours = store_case(store, "ABS-OURS-RC", 3, OPENED)
    forge(store, database_url, theirs, 2, "a forged reason")
    forge(store, database_url, ours, 2, "a forged reason")
    missing = "00000000-0000-4000-8000-00000000c0de"

    answers = {case_id: await api.http.get(f"/v1/audit/cases/{case_id}/history",
                                           headers=auth(Role.AUDITOR))
               for case_id in (theirs, missing, ours)}

    assert answers[theirs].status_code == answers[missing].status_code == 404
    assert answers[theirs].json()["detail"].replace(theirs, "ID") == \
        answers[missing].json()["detail"].replace(missing, "ID")
    assert answers[ours].status_code == 500  # the reader's own employer's case: the alert
