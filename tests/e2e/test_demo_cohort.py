"""`rtw demo cohort` walks synthetic cases through the real workflow into the event store: every
case closed with its outcome and interventions, chains intact, notices in the outbox, and the
same seed giving the same cases with the same facts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from eventstore.export import export_pages
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from localstack.cohort import draw_cohort
from localstack.cohort_profiles import FFWS
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY

CASES = 20
SEED = 3
NO_INTERVENTION = {"withdrawn", "declined"}
# A moment in an event's data or reason, to the minute: the seconds carry how long the server
# took to answer, which no seed decides.
MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}):\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def rtw_demo(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({"RTW_HOME": str(tmp_path), "RTW_EVENT_CIPHER_KEY": TEST_CIPHER_KEY,
                "RTW_AUDIT_HMAC_KEY": TEST_AUDIT_KEY, **settings})
    return subprocess.run([sys.executable, "-m", "cli.main", "demo", "cohort", *args], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def cohort(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    return rtw_demo(tmp_path, "--cases", str(CASES), "--seed", str(SEED),
                    RTW_DATABASE_URL=database_url)


def to_the_minute(value: Any) -> Any:
    if isinstance(value, str):
        return MOMENT.sub(r"\1", value)
    if isinstance(value, dict):
        return {key: to_the_minute(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_the_minute(item) for item in value]
    return value


def exported_cases(database_url: str) -> dict[str, list[tuple[str, Any]]]:
    """Each case's events as exported, in position order: type and data."""
    store = CaseEventStore.connect(database_url, cipher_key=TEST_CIPHER_KEY,
                                   audit_key=TEST_AUDIT_KEY)
    try:
        by_case: dict[str, list[Any]] = defaultdict(list)
        for page in export_pages(store):
            for record in page:
                by_case[record.case_id].append(record)
        assert all(verdict.broken is None for verdict in verify_cases(store))
    finally:
        store.close()
    return {case_id: [(r.event_type, r.data) for r in sorted(records, key=lambda r: r.position)]
            for case_id, records in by_case.items()}


@pytest.fixture
def another_database_url(postgres_server_url: str) -> str:
    name = f"rtw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(urlparse(postgres_server_url)._replace(path=f"/{name}"))


def test_a_cohort_is_walked_to_closure_and_the_same_seed_gives_the_same_cases(
    tmp_path: Path, database_url: str, another_database_url: str,
) -> None:
    first = cohort(tmp_path, database_url)

    assert first.returncode == 0, first.stderr
    assert f"{CASES} case(s) written to the event store" in first.stdout
    cases = exported_cases(database_url)
    drawn = list(draw_cohort(FFWS, seed=SEED, cases=CASES, starts_on=date(2026, 12, 7)))
    assert set(cases) == {script.case_id for script in drawn}
    for events in cases.values():
        closures = [data for kind, data in events if kind == "CaseClosed"]
        # A return found not sustained reopens the case, which closes again.
        assert len(closures) == 1 + [kind for kind, _ in events].count("CaseReopened")
        for closure in closures:
            if closure["outcome"] not in NO_INTERVENTION:
                assert closure["intervention_by_employee"]
                assert closure["intervention_by_case_manager"]
    outcomes = {data["outcome"] for events in cases.values()
                for kind, data in events if kind == "CaseClosed"}
    assert "returned_to_own_role" in outcomes
    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT count(*) FROM rtw_notices").fetchone()
    assert row is not None and row[0] > 0

    second = cohort(tmp_path, another_database_url)

    assert second.returncode == 0, second.stderr
    assert to_the_minute(exported_cases(another_database_url)) == to_the_minute(cases)

    again = cohort(tmp_path, database_url)

    assert again.returncode == 2
    [line] = again.stderr.strip().splitlines()
    assert "already in this database" in line


@pytest.mark.parametrize(("args", "settings", "named"), [
    (["--cases", "0", "--seed", "1"], {"RTW_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"},
     "--cases"),
    (["--cases", "ten", "--seed", "1"], {"RTW_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"},
     "--cases"),
    (["--cases", "5", "--seed", "1", "--profile", "nhs-2030"],
     {"RTW_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}, "--profile"),
    (["--cases", "5", "--seed", "1"], {}, "RTW_DATABASE_URL"),
])
def test_bad_input_is_one_clear_line_and_exit_2(
    tmp_path: Path, args: list[str], settings: dict[str, str], named: str,
) -> None:
    result = rtw_demo(tmp_path, *args, **settings)

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rtw demo cohort: ") and named in line
