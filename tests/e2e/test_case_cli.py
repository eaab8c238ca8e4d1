"""`rtw case` as an OH case manager uses it: a real process against the real API."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cli.exit_codes import Exit
from domain.actors import Role
from readside.worklist import WorklistProjector
from tests.support.api_harness import TOKENS, ApiStack, auth


async def rtw(api: ApiStack, role: Role | None, *args: str,
              stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RTW_API_URL": str(api.http.base_url)}
    env.pop("RTW_TOKEN", None)
    if role is not None:
        env["RTW_TOKEN"] = TOKENS[role]
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "cli.main", "case", *args], env=env,
        input=stdin, capture_output=True, text=True, timeout=60)


async def test_an_oh_case_manager_works_a_case_from_the_command_line(
        api: ApiStack, tmp_path: Path) -> None:
    body = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}",
            "employee": {"id": "E1", "name": "Sam Patel", "email": "sam@example.org"},
            "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
            "first_day": datetime.now(UTC).date().isoformat(), "reason_category": "other"}
    created = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    case_id = created.json()["case_id"]
    projector = WorklistProjector(api.harness.store, api.harness.pool)
    for _ in range(100):  # the workflow stores the opening event just after answering
        await projector.catch_up()
        if await api.harness.pool.fetchval(
                "SELECT count(*) FROM rtw_worklist WHERE case_id = $1", uuid.UUID(case_id)):
            break
        await asyncio.sleep(0.05)

    listed = await rtw(api, Role.OH, "list", "--stage", "early_contact")
    assert listed.returncode == 0, listed.stderr
    assert case_id in listed.stdout and "early_contact_due" in listed.stdout

    contact = tmp_path / "contact.json"
    contact.write_text(json.dumps({"contacted_at": datetime.now(UTC).isoformat(),
                                   "method": "phone", "agreed_contact_frequency_days": 7}))
    acted = await rtw(api, Role.OH, "act", case_id, "record_early_contact", "--json",
                      str(contact))
    assert acted.returncode == 0, acted.stderr
    assert json.loads(acted.stdout)["stage"] == "assessment"

    again = await rtw(api, Role.OH, "act", case_id, "record_early_contact", "--json", "-",
                      stdin=contact.read_text())
    assert again.returncode == Exit.REFUSED
    assert again.stderr.startswith("rtw case act: 409 Action not allowed in this stage")

    shown = await rtw(api, Role.MANAGER, "show", case_id)
    assert json.loads(shown.stdout)["clinical"] is None


async def test_clear_errors_without_a_token_or_with_a_bad_action(api: ApiStack) -> None:
    no_token = await rtw(api, None, "show", str(uuid.uuid4()))
    bad_action = await rtw(api, Role.OH, "act", str(uuid.uuid4()), "fly", "--json", "-",
                           stdin="{}")
    unknown_case = await rtw(api, Role.OH, "show", str(uuid.uuid4()))
    assert no_token.returncode == Exit.AUTH and "RTW_TOKEN is not set" in no_token.stderr
    assert bad_action.returncode == Exit.USAGE and "unknown action 'fly'" in bad_action.stderr
    assert unknown_case.returncode == Exit.REFUSED and " 404 " in unknown_case.stderr
