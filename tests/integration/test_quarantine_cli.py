"""`rtw audit quarantine`: operators see the cases a projection set aside and release them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cli.main import main
from eventstore.store import CaseEventStore
from localstack import samples
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_a_quarantined_case_is_listed_by_error_type_and_can_be_released(
    monkeypatch: pytest.MonkeyPatch, database_url: str, store: CaseEventStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RTW_DATABASE_URL", database_url)
    monkeypatch.setenv("RTW_EVENT_CIPHER_KEY", TEST_CIPHER_KEY)
    monkeypatch.setenv("RTW_AUDIT_HMAC_KEY", TEST_AUDIT_KEY)
    case_id, events = samples.case_events("ABS-SENTINEL", 1, OPENED)
    opened = samples.as_new(events[0])
    store.append(case_id=case_id, first_position=1, policy_version=samples.POLICY,
                 workflow_id=case_id, run_id="run-1",
                 events=[replace(opened, data={**opened.data, "first_day": "9999-12-31"})])

    assert main(["audit", "quarantine"]) == 0
    assert "0 case(s) quarantined" in capsys.readouterr().out
    assert main(["audit", "quarantine", "--release", case_id]) == 1  # not fixed yet
    capsys.readouterr()

    assert main(["audit", "quarantine", "--format", "json"]) == 0
    [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed["case_id"] == case_id and listed["error_type"] == "OverflowError"
    assert "Sam Patel" not in json.dumps(listed)

    assert main(["audit", "quarantine", "--release", "not-a-case"]) == 2
    assert "--release must be a case id" in capsys.readouterr().err
