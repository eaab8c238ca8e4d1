"""`rtw absences import` and the list conventions of `rtw case`, as real processes against the
real API. One API is served for the whole module; each test uses its own absence ids."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from cli.exit_codes import Exit
from domain.actors import Role
from domain.ids import case_id_for_absence
from eventstore.store import CaseEventStore
from readside.worklist import WorklistProjector
from tests.conftest import (
    TEST_AUDIT_KEY,
    TEST_CIPHER_KEY,
    TEST_PAYLOAD_KEYS,
    free_port,
    fresh_database,
    keyed_store,
)
from tests.support.api_harness import TOKENS, ApiStack, auth, serve_api

HEADER = ["employer_id", "absence_id", "employee_id", "employee_name", "employee_email",
          "manager_id", "manager_name", "manager_email", "first_day", "reason_category"]


@pytest.fixture(scope="module")
def module_database_url(postgres_server_url: str) -> str:
    return fresh_database(postgres_server_url)


@pytest.fixture(scope="module")
def module_store(module_database_url: str) -> Iterator[CaseEventStore]:
    with keyed_store(module_database_url) as store:
        yield store


@pytest.fixture(scope="module")
async def served(dev_server_env: WorkflowEnvironment, module_store: CaseEventStore,
                 module_database_url: str) -> AsyncIterator[ApiStack]:
    async with serve_api(dev_server_env.client, module_store, module_database_url) as stack:
        yield stack


async def rtw(api: ApiStack | str, role: Role | None, *args: str
              ) -> subprocess.CompletedProcess[str]:
    url = api if isinstance(api, str) else str(api.http.base_url)
    env = {**os.environ, "RTW_API_URL": url}
    env.pop("RTW_TOKEN", None)
    if role is not None:
        env["RTW_TOKEN"] = TOKENS[role]
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "cli.main", *args], env=env,
        capture_output=True, text=True, timeout=60)


def row(absence_id: str, **changes: str) -> dict[str, str]:
    cells = {
        "employer_id": "acme-trust", "absence_id": absence_id, "employee_id": "E1001",
        "employee_name": "Sam Patel", "employee_email": "sam@example.org",
        "manager_id": "M2002", "manager_name": "Alex Jones",
        "manager_email": "alex@example.org",
        "first_day": (datetime.now(UTC) - timedelta(days=2)).date().isoformat(),
        "reason_category": "musculoskeletal",
    }
    cells.update(changes)
    return cells


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = HEADER + [name for name in dict.fromkeys(k for r in rows for k in r)
                        if name not in HEADER]
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def ids(count: int) -> list[str]:
    stem = uuid.uuid4().hex[:8]
    return [f"GOLIVE-{stem}-{n}" for n in range(count)]


async def case_exists(api: ApiStack, absence_id: str) -> bool:
    case_id = case_id_for_absence("acme-trust", absence_id)
    answer = await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


async def test_good_rows_open_cases_and_each_bad_field_is_in_the_rejects_file(
        served: ApiStack, tmp_path: Path) -> None:
    good_1, bad_date, no_email, good_2, far_future, unknown_referral = ids(6)
    source = write_csv(tmp_path / "absences.csv", [
        row(good_1, referral_id=""),
        row(bad_date, first_day="31/12/2026"),
        row(no_email, employee_email=""),
        row(good_2, reason_category="mental_health"),
        row(far_future, first_day="2150-01-01"),
        row(unknown_referral, referral_id="REF-NOBODY"),
    ])
    rejects = tmp_path / "rejects.csv"

    first = await rtw(served, Role.HR, "absences", "import", str(source), "--rejects",
                      str(rejects))

    assert first.returncode == Exit.FAILED, first.stderr
    assert first.stdout.startswith("6 row(s): 2 opened, 0 already open, 4 rejected")
    assert first.stderr == ""  # not a terminal: no progress bar
    with rejects.open(newline="") as found:
        rejected = {(r["line"], r["column"]): r for r in csv.DictReader(found)}
    assert set(rejected) == {("3", "first_day"), ("4", "employee_email"), ("6", "first_day"),
                             ("7", "referral_id")}
    assert rejected[("3", "first_day")]["value"] == "31/12/2026"
    assert rejected[("3", "first_day")]["accepted"] == "a date, YYYY-MM-DD"
    assert rejected[("4", "employee_email")]["problem"] == "missing"
    assert "outside the dates this service accepts" in rejected[("6", "first_day")]["problem"]
    assert [await case_exists(served, a) for a in (good_1, good_2, bad_date, far_future)] == [
        True, True, False, False]

    second = await rtw(served, Role.HR, "absences", "import", str(source), "--rejects",
                       str(rejects))

    assert second.stdout.startswith("6 row(s): 0 opened, 2 already open, 4 rejected")
    for absence_id in (good_1, good_2):
        history = served.harness.store.history(case_id_for_absence("acme-trust", absence_id))
        assert [r.event_type for r in history].count(history[0].event_type) == 1  # opened once

    corrected = write_csv(tmp_path / "corrected.csv", [row(good_1, manager_id="M3003")])
    third = await rtw(served, Role.HR, "absences", "import", str(corrected))

    assert third.returncode == Exit.FAILED
    assert third.stderr.startswith("line 2: manager_id: 409: this absence was notified before "
                                   "with another manager")


async def test_a_dry_run_checks_every_row_and_posts_nothing(
        served: ApiStack, tmp_path: Path) -> None:
    good, bad = ids(2)
    source = write_csv(tmp_path / "absences.csv", [row(good), row(bad, reason_category="flu")])

    checked = await rtw(served, None, "absences", "import", str(source), "--dry-run")

    assert checked.returncode == Exit.FAILED
    assert checked.stdout.strip() == ("dry run: 2 row(s): 1 valid, 1 rejected; nothing was "
                                      "posted")
    assert checked.stderr.startswith("line 3: reason_category: ")
    assert "(accepted: one of: musculoskeletal, mental_health, other)" in checked.stderr
    assert not await case_exists(served, good)


async def test_the_import_ends_with_the_exit_code_of_what_stopped_it(
        served: ApiStack, tmp_path: Path) -> None:
    [absence_id] = ids(1)
    source = write_csv(tmp_path / "absences.csv", [row(absence_id)])
    no_column = tmp_path / "short.csv"
    no_column.write_text("employer_id,absence_id\nacme-trust,ABS-1\n")

    as_manager, away, missing, short = await asyncio.gather(
        rtw(served, Role.MANAGER, "absences", "import", str(source)),
        rtw(f"http://127.0.0.1:{free_port()}", Role.HR, "absences", "import", str(source)),
        rtw(served, Role.HR, "absences", "import", str(tmp_path / "none.csv")),
        rtw(served, Role.HR, "absences", "import", str(no_column)),
    )

    assert as_manager.returncode == Exit.AUTH and "line 2: 403" in as_manager.stderr
    assert away.returncode == Exit.UNREACHABLE and "cannot reach the API" in away.stderr
    assert missing.returncode == Exit.USAGE
    assert missing.stderr.strip().endswith("none.csv: No such file or directory")
    assert short.returncode == Exit.USAGE and len(short.stderr.splitlines()) == 1
    assert "missing required column(s) employee_id" in short.stderr
    assert not await case_exists(served, absence_id)


async def test_case_list_pages_on_with_the_cursor_it_prints_and_answers_json(
        served: ApiStack, tmp_path: Path) -> None:
    employer = "paging-trust"  # an employer the test tokens act for, here only
    source = write_csv(tmp_path / "absences.csv",
                       [row(a, employer_id=employer) for a in ids(3)])
    opened = await rtw(served, Role.HR, "absences", "import", str(source))
    assert opened.returncode == Exit.OK, opened.stderr
    projector = WorklistProjector(served.harness.store, served.harness.pool)
    for _ in range(100):
        await projector.catch_up()
        if await served.harness.pool.fetchval(
                "SELECT count(*) FROM rtw_worklist WHERE employer_id = $1", employer) == 3:
            break
        await asyncio.sleep(0.05)

    first = await rtw(served, Role.OH, "case", "list", "--employer", employer, "--limit", "2",
                      "--json")
    page = json.loads(first.stdout)
    [hint] = first.stderr.splitlines()
    assert hint.startswith(f"next page: rtw case list --employer {employer} --limit 2 --json "
                           "--cursor ")
    following = await rtw(served, Role.OH, *hint.removeprefix("next page: rtw ").split())
    rest = json.loads(following.stdout)
    made_up = await rtw(served, Role.OH, "case", "list", "--cursor", "not-a-cursor")

    assert first.returncode == following.returncode == Exit.OK
    assert len(page["items"]) == 2 and len(rest["items"]) == 1
    assert rest["next_cursor"] is None and following.stderr == ""
    assert len({item["case_id"] for item in page["items"] + rest["items"]}) == 3
    assert made_up.returncode == Exit.REFUSED
    assert made_up.stderr.startswith("rtw case list: 422 ") and "cursor" in made_up.stderr


def audit_env(database_url: str, temporal_address: str, home: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("RTW_")},
        "RTW_HOME": str(home), "RTW_DATABASE_URL": database_url,
        "RTW_EVENT_CIPHER_KEY": TEST_CIPHER_KEY, "RTW_AUDIT_HMAC_KEY": TEST_AUDIT_KEY,
        "RTW_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS, "RTW_TEMPORAL_ADDRESS": temporal_address,
    }


async def audit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "cli.main", "audit", *args], env=env,
        capture_output=True, text=True, timeout=90)


async def test_verify_and_reconcile_answer_json_and_an_absent_database_is_exit_5(
        served: ApiStack, dev_server_env: WorkflowEnvironment, module_database_url: str,
        tmp_path: Path) -> None:
    [absence_id] = ids(1)
    source = write_csv(tmp_path / "absences.csv", [row(absence_id)])
    assert (await rtw(served, Role.HR, "absences", "import", str(source))).returncode == 0
    case_id = case_id_for_absence("acme-trust", absence_id)
    for _ in range(100):  # the workflow stores the opening event just after answering
        if served.harness.store.history(case_id):
            break
        await asyncio.sleep(0.05)
    env = audit_env(module_database_url,
                    dev_server_env.client.service_client.config.target_host, tmp_path)

    nowhere = {**env, "RTW_DATABASE_URL": f"postgresql://rtw@127.0.0.1:{free_port()}/x"}
    verified, reconciled, away = await asyncio.gather(
        audit(env, "verify", "--all", "--json"), audit(env, "reconcile", case_id, "--json"),
        audit(nowhere, "verify", "--all", "--json"))
    logged = await audit(env, "access-log", "--case", case_id, "--json")

    assert verified.returncode == Exit.OK, verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["holds"] is True and verdict["broken"] == [] and verdict["cases"] >= 1
    assert reconciled.returncode == Exit.OK, reconciled.stderr
    assert json.loads(reconciled.stdout) | {"decisions": 0} == {
        "case_id": case_id, "agrees": True, "decisions": 0, "only_in_temporal": [],
        "only_in_store": []}
    actions = [json.loads(line)["action"] for line in logged.stdout.splitlines()]
    assert "case.reconcile" in actions
    assert away.returncode == Exit.UNREACHABLE and away.stdout == ""
    [line] = away.stderr.splitlines()
    assert line.startswith("rtw audit verify: cannot reach PostgreSQL or Temporal: ")
