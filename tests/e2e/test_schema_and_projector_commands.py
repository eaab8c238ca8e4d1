"""`rtw schema` (a deployment's migrations job) and `rtw projector` at start: the tables made
once and exit 0; a wrong or missing database URL one line and exit 2; PostgreSQL away, a
bounded wait and exit 1."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import free_port

AUDIT_KEY = base64.b64encode(b"a" * 32).decode()


def rtw(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({"RTW_HOME": str(tmp_path), "RTW_AUDIT_HMAC_KEY": AUDIT_KEY, **settings})
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=90, check=False)


def test_schema_creates_every_table_and_can_run_again(database_url: str, tmp_path: Path) -> None:
    for _ in range(2):  # a second run finds everything there and changes nothing
        result = rtw(tmp_path, "schema", RTW_DATABASE_URL=database_url)
        assert result.returncode == 0, result.stderr
    with psycopg.connect(database_url) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        positions = dict(connection.execute(
            "SELECT name, position FROM rtw_projection_positions").fetchall())
    assert {"rtw_events", "rtw_notices", "rtw_worklist", "rtw_kpi_facts",
            "rtw_projection_positions", "rtw_quarantine", "rtw_access_log",
            "rtw_employee_contacts", "rtw_employee_links", "rtw_employee_cases"} <= tables
    assert positions == {"worklist": 0, "kpi_facts": 0, "employee_contacts": 0,
                         "employee_cases": 0}


def test_schema_reads_its_settings_from_a_secrets_folder(database_url: str,
                                                        tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "rtw_database_url").write_text(database_url + "\n")
    (secrets / "rtw_audit_hmac_key").write_text(AUDIT_KEY + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({"RTW_HOME": str(tmp_path), "RTW_SECRETS_DIR": str(secrets)})
    result = subprocess.run([sys.executable, "-m", "cli.main", "schema"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", ["schema", "projector"])
@pytest.mark.parametrize(("url", "expected"), [
    (None, "rtw: RTW_DATABASE_URL is not set"),
    ("mysql://db/rtw", "rtw: RTW_DATABASE_URL must be postgresql://"),
    ("postgresql://db:port/rtw", "rtw: RTW_DATABASE_URL: Port could not be cast"),
])
def test_a_missing_or_malformed_database_url_is_one_line(
    command: str, url: str | None, expected: str, tmp_path: Path,
) -> None:
    result = rtw(tmp_path, command, **({"RTW_DATABASE_URL": url} if url else {}))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(expected), line


def test_schema_waits_a_bounded_time_for_postgresql_then_fails(tmp_path: Path) -> None:
    away = f"postgresql://rtw@127.0.0.1:{free_port()}/rtw"
    result = rtw(tmp_path, "schema", "--wait", "2", RTW_DATABASE_URL=away)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "rtw: PostgreSQL did not answer within 2 s; no table created")


def test_the_projector_checks_the_configuration_files_at_start(tmp_path: Path) -> None:
    broken = tmp_path / "webhooks.json"
    broken.write_text("{")
    result = rtw(tmp_path, "projector", RTW_DATABASE_URL="postgresql://rtw@127.0.0.1:1/rtw",
                 RTW_WEBHOOKS_FILE=str(broken))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rtw: RTW_WEBHOOKS_FILE:"), line
