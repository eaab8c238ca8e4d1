"""`rtw policy simulate` as a process against cases stored as the workflow stores them, and
`rtw policy migrate` against the dev server with a real worker."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from temporalio.testing import WorkflowEnvironment

from cli.policy_migrate import Result, migrate, running_cases
from domain.actors import Actor, Role, Source
from domain.calendar import london_date
from domain.commands import RecordEarlyContact
from domain.policy import DEFAULT_POLICY
from domain.stages import ContactMethod, ReasonCategory
from eventstore.store import CaseEventStore
from infra.temporal_client import traced_client
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY, TEST_PAYLOAD_KEYS
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.driven_cases import DrivenCase
from tests.support.notices import CaseWriter
from tests.support.workflow_harness import running_worker
from workflows.case import CaseWorkflow

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday
WEDNESDAY = datetime(2026, 11, 25, 10, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, tzinfo=UTC)
AS_OF = "2026-11-25T12:00:00+00:00"
FIVE_DAYS = {"version": "acme-2027-01", "effective_from": "2027-01-04",
             "contact_due_working_days": 5}


def rtw(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({"RTW_HOME": str(tmp_path), "RTW_EVENT_CIPHER_KEY": TEST_CIPHER_KEY,
                "RTW_AUDIT_HMAC_KEY": TEST_AUDIT_KEY, "RTW_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
                **settings})
    return subprocess.run([sys.executable, "-m", "cli.main", "policy", *args], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def contact(at: datetime) -> RecordEarlyContact:
    return RecordEarlyContact(contacted_at=at, method=ContactMethod.PHONE,
                              agreed_contact_frequency_days=28)


def store_cases(store: CaseEventStore) -> tuple[str, str, str]:
    """Late contact (reminded, escalated), contact in time, and another employer's case."""
    late = DrivenCase(open_command(absence_id="ABS-LATE", reason=ReasonCategory.OTHER), OPENED,
                      write=CaseWriter(store).write)
    late.act(contact(WEDNESDAY), WEDNESDAY, MANAGER_ACTOR)
    timely = DrivenCase(open_command(absence_id="ABS-TIMELY", reason=ReasonCategory.OTHER),
                        OPENED, write=CaseWriter(store).write)
    timely.act(contact(MONDAY), MONDAY, MANAGER_ACTOR)
    other = open_command(absence_id="ABS-OTHER", reason=ReasonCategory.OTHER).model_copy(
        update={"employer_id": "other-trust"})
    elsewhere = DrivenCase(other, OPENED, write=CaseWriter(store).write)
    return late.state.case_id, timely.state.case_id, elsewhere.state.case_id


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "five-days.json"
    path.write_text(json.dumps(FIVE_DAYS))
    return path


def test_simulate_reports_each_case_the_totals_and_the_figures_as_json(
    store: CaseEventStore, database_url: str, tmp_path: Path, policy_file: Path,
) -> None:
    late, timely, _ = store_cases(store)

    result = rtw(tmp_path, "simulate", "--policy", str(policy_file), "--employer", "acme-trust",
                 "--from", "2026-11-01", "--to", "2026-11-30", "--as-of", AS_OF,
                 "--format", "json", RTW_DATABASE_URL=database_url)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["policy"]["version"] == "acme-2027-01"
    assert {c["case_id"] for c in report["cases"]} == {late, timely}
    [late_case] = [c for c in report["cases"] if c["case_id"] == late]
    assert late_case["missed"] == {"actual": 2, "simulated": 0, "delta": -2}
    assert late_case["escalations_avoided"] == ["early_contact_escalation"]
    due = next(d for d in late_case["deadlines"] if d["key"] == "early_contact_due")
    assert (due["actual"]["status"], due["simulated"]["status"]) == ("missed", "met")
    assert due["simulated"]["due_at"] == "2026-11-27T17:00:00+00:00"
    totals = report["totals"]
    # The contact in time changed too: its escalation would have fallen later.
    assert (totals["cases"], totals["cases_changed"], totals["escalations_avoided"]) == (2, 2, 1)
    kpis = {k["measure"]: k for k in report["kpis"]}
    assert (kpis["deadlines_met_rate"]["actual"], kpis["deadlines_met_rate"]["simulated"]) == (
        0.5, 1.0)
    assert kpis["deadlines_met_rate"]["delta"] == 0.5
    assert kpis["referrals"] == {"measure": "referrals", "actual": 2, "simulated": 2,
                                 "delta": 0}
    with psycopg.connect(database_url) as connection:
        logged = connection.execute(
            "SELECT role, action, channel, detail FROM rtw_access_log").fetchall()
    assert logged == [("auditor", "policy.simulate", "cli",
                       "policy=acme-2027-01 from=2026-11-01 to=2026-11-30 employer=acme-trust")]


def test_simulate_prints_a_readable_table(
    store: CaseEventStore, database_url: str, tmp_path: Path, policy_file: Path,
) -> None:
    late, _, elsewhere = store_cases(store)

    result = rtw(tmp_path, "simulate", "--policy", str(policy_file), "--as-of", AS_OF,
                 RTW_DATABASE_URL=database_url)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("policy acme-2027-01 simulated on 3 recorded case(s) of every "
                               "employer opened 2026-11-20 to 2026-11-25")
    [row] = [line for line in lines if line.startswith(late)]
    assert row.split()[1:] == ["default-2026-04", "0", "->", "2", "2", "->", "0", "1", "->",
                               "0", "1", "->", "0", "0", "1", "0"]
    assert any(line.startswith(elsewhere) for line in lines)
    assert ("    early_contact_due: missed (due 2026-11-23T17:00+00:00) -> "
            "met (due 2026-11-27T17:00+00:00)") in lines
    [met_rate] = [line for line in lines if line.startswith("deadlines_met_rate")]
    assert met_rate.split() == ["deadlines_met_rate", "0.5", "1", "+0.5"]


@pytest.mark.parametrize(("content", "expected"), [
    (None, "no such file"),
    ("{not json", "not JSON: "),
    (json.dumps([FIVE_DAYS]), "give one policy version, a JSON object"),
    (json.dumps({**FIVE_DAYS, "first_assessment_days": 0}),
     "first_assessment_days: Input should be greater than or equal to 1"),
    (json.dumps({"version": "v"}), "effective_from: Field required"),
])
def test_a_bad_policy_file_is_one_clear_line_and_exit_2(
    tmp_path: Path, content: str | None, expected: str,
) -> None:
    path = tmp_path / "policy.json"
    if content is not None:
        path.write_text(content)

    result = rtw(tmp_path, "simulate", "--policy", str(path))

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"rtw policy simulate: --policy {path}: ")
    assert expected in line


def test_dates_are_given_both_or_neither(tmp_path: Path, policy_file: Path) -> None:
    result = rtw(tmp_path, "simulate", "--policy", str(policy_file), "--from", "2026-11-01")
    assert result.returncode == 2
    assert result.stderr.strip() == ("rtw policy simulate: give both --from and --to "
                                     "(YYYY-MM-DD), or neither")


def test_migrate_names_an_unknown_version(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "acme-trust.json").write_text(json.dumps(
        [{"version": "acme-2026-04", "effective_from": "2026-04-06"}]))

    result = rtw(tmp_path, "migrate", "--employer", "acme-trust", "--to", "acme-2099",
                 RTW_POLICY_DIR=str(policies))

    assert result.returncode == 2
    assert result.stderr.strip() == ("rtw policy migrate: --to: acme-trust has no policy "
                                     "version 'acme-2099' (its versions: acme-2026-04)")


# -- migrate, against the dev server ------------------------------------------------------


async def test_migrate_dry_run_lists_deadlines_then_migrate_moves_each_running_case(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
    tmp_path: Path,
) -> None:
    employer = f"policy-test-{uuid.uuid4().hex[:8]}"
    today = london_date(datetime.now(UTC))
    slower = DEFAULT_POLICY.model_copy(update={
        "version": f"{employer}-slower", "effective_from": today - timedelta(days=1),
        "contact_due_working_days": 3})
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / f"{employer}.json").write_text(json.dumps(
        [json.loads(slower.model_dump_json())]))
    # Sealed like every rtw client: `rtw policy migrate` signals the cases with the same key.
    client = traced_client(dev_server_env.client, payload_keys=TEST_PAYLOAD_KEYS,
                           tracer=TracerProvider().get_tracer("rtw-test"))
    async with running_worker(client, store, database_url) as harness:
        command = open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today,
                               reason=ReasonCategory.OTHER).model_copy(
            update={"employer_id": employer})
        handle = await harness.open_case(command, HR_ACTOR)
        for _ in range(100):  # visibility catches up with the case's search attributes
            if await running_cases(client, employer):
                break
            await asyncio.sleep(0.1)
        before = await handle.query(CaseWorkflow.view)

        dry = await asyncio.to_thread(
            rtw, tmp_path, "migrate", "--employer", employer, "--to", slower.version,
            "--dry-run", RTW_DATABASE_URL=database_url, RTW_POLICY_DIR=str(policies),
            RTW_TEMPORAL_ADDRESS=client.service_client.config.target_host)

        assert dry.returncode == 0, (dry.stdout, dry.stderr)
        lines = dry.stdout.splitlines()
        assert lines[0] == (f"{employer}: 1 running case(s); would adopt (dry run: nothing "
                            f"changed) policy {slower.version}")
        assert lines[1] == (f"  {handle.id} (stage early_contact, policy default-2026-04): "
                            "would adopt")
        contact_line = next(line for line in lines if "early_contact_due:" in line)
        assert contact_line.endswith("(moves)")
        assert lines[-1] == "1 would adopt"
        records = await asyncio.to_thread(store.history, handle.id)
        assert [r.event_type for r in records] == ["CaseOpened"]

        admin = Actor(id="ops-jo", role=Role.ADMIN, source=Source.CLI)
        moved = await migrate(client, employer_id=employer, policy=slower, actor=admin,
                              reason="board decision", dry_run=False, now=datetime.now(UTC))
        again = await migrate(client, employer_id=employer, policy=slower, actor=admin,
                              reason="board decision", dry_run=False, now=datetime.now(UTC))

        assert [(m.case_id, m.result) for m in moved] == [(handle.id, Result.ADOPTED)]
        assert [m.result for m in again] == [Result.ALREADY]
        after = await handle.query(CaseWorkflow.view)
        assert after.state.policy == slower
        assert after.deadlines[0].key == "early_contact_due"
        assert after.deadlines[0].due_at > before.deadlines[0].due_at
        records = await asyncio.to_thread(store.history, handle.id)
        assert [r.event_type for r in records] == ["CaseOpened", "PolicyAdopted"]
        assert (records[1].actor_id, records[1].actor_role) == ("ops-jo", "admin")

        hr = Actor(id="hr-system", role=Role.HR, source=Source.CLI)
        refused = await migrate(client, employer_id=employer, policy=DEFAULT_POLICY,
                                actor=hr, reason="not HR's", dry_run=False,
                                now=datetime.now(UTC))
        assert [m.result for m in refused] == [Result.REFUSED]
        assert "role 'hr' may not adopt_policy" in refused[0].detail
