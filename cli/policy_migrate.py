"""`rtw policy migrate`: an employer's running cases adopt one of its policy versions.

The running cases are found through Temporal's visibility (the `RtwEmployer` search attribute);
each is asked for its state, the domain decides on that state what adopting the version would
do (or why the case refuses it), and the case is then signalled (`adopt_policy`) and asked again
until it follows the version. A dry run stops after the decision and changes nothing.
"""

from __future__ import annotations

import asyncio
import gc
import getpass
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TextIO

from pydantic import ValidationError
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError

from cli.exit_codes import Exit
from cli.policy import PolicyUsageError
from domain.actors import Actor, Role, Source
from domain.calendar import london_date
from domain.commands import AdoptPolicy
from domain.deadlines import OH_ONLY_DEADLINES, Deadline, open_deadlines, shared_deadlines
from domain.decide import decide
from domain.errors import CaseError
from domain.evolve import evolve
from domain.policy import Policy
from domain.state import CaseState
from infra import bootstrap
from infra.employers import EmployerDirectory
from infra.policies import PolicyBook
from infra.settings import Settings
from readside.access_log import Access, record_access_sync
from workflows.case import CaseWorkflow
from workflows.payloads import AdoptPolicyInput
from workflows.search_attributes import CASE_EMPLOYER

# As the API takes employer ids: nothing that could break out of a visibility query.
EMPLOYER_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
QUERY_TIMEOUT = timedelta(seconds=5)
CONFIRM_WITHIN = timedelta(seconds=10)


class Result(StrEnum):
    """What became of one running case."""

    WOULD_ADOPT = "would adopt"
    ADOPTED = "adopted"
    ALREADY = "already on the version"
    REFUSED = "refused"
    UNANSWERED = "no answer"
    UNCONFIRMED = "signalled, not yet confirmed"

    @property
    def settled(self) -> bool:
        """Whether the case is (or, in a dry run, would be) on the version at the end."""
        return self in (Result.WOULD_ADOPT, Result.ADOPTED, Result.ALREADY)


@dataclass(frozen=True)
class CaseMigration:
    """One running case: its deadlines now and under the version, and what became of it."""

    case_id: str
    result: Result
    stage: str | None = None
    from_version: str | None = None
    detail: str = ""
    before: list[Deadline] = field(default_factory=list)
    after: list[Deadline] = field(default_factory=list)


def running_cases_query(employer_id: str) -> str:
    return (f"WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running' "
            f"AND {CASE_EMPLOYER.name} = '{employer_id}'")


async def running_cases(client: Client, employer_id: str) -> list[str]:
    """The ids of the employer's running cases, as Temporal's visibility lists them."""
    if not EMPLOYER_ID.fullmatch(employer_id):
        raise PolicyUsageError(f"--employer: {employer_id!r} is not an employer id")
    found = [execution.id async for execution in
             client.list_workflows(running_cases_query(employer_id))]
    return sorted(set(found))


def plan(state: CaseState, command: AdoptPolicy, *, actor: Actor, now: datetime
         ) -> CaseMigration:
    """What adopting would do to the case, decided by the domain on its current state."""

    def made(result: Result, detail: str = "", after: CaseState | None = None) -> CaseMigration:
        return CaseMigration(case_id=state.case_id, result=result, stage=state.stage.value,
                             from_version=state.policy.version, detail=detail,
                             before=open_deadlines(state),
                             after=open_deadlines(after or state))

    try:
        events = decide(state, command, now=now, actor=actor)
    except CaseError as refused:
        return made(Result.REFUSED, refused.message)
    if not events:
        return made(Result.ALREADY)
    after = state
    for event in events:
        after = evolve(after, event)
    return made(Result.WOULD_ADOPT, after=after)


async def migrate(client: Client, *, employer_id: str, policy: Policy, actor: Actor,
                  reason: str, dry_run: bool, now: datetime,
                  confirm_within: timedelta = CONFIRM_WITHIN) -> list[CaseMigration]:
    """Move every running case of the employer to `policy` (or, `dry_run`, say what would
    change). A case that refuses, or does not answer, is reported; the others go on."""
    command = AdoptPolicy(policy=policy, reason=reason)
    migrations = []
    for case_id in await running_cases(client, employer_id):
        handle = client.get_workflow_handle(case_id)
        try:
            view = await handle.query(CaseWorkflow.view, rpc_timeout=QUERY_TIMEOUT)
        except (RPCError, WorkflowQueryFailedError) as error:
            migrations.append(CaseMigration(case_id=case_id, result=Result.UNANSWERED,
                                            detail=str(error) or type(error).__name__))
            continue
        planned = plan(view.state, command, actor=actor, now=now)
        if dry_run or planned.result is not Result.WOULD_ADOPT:
            migrations.append(planned)
            continue
        try:
            await handle.signal(CaseWorkflow.adopt_policy,
                                AdoptPolicyInput(command=command, actor=actor))
        except RPCError as error:
            migrations.append(_with(planned, Result.UNANSWERED, f"not signalled: {error}"))
            continue
        adopted = await _confirmed(handle, policy, within=confirm_within)
        migrations.append(_with(planned, Result.ADOPTED if adopted else Result.UNCONFIRMED))
    return migrations


def _with(planned: CaseMigration, result: Result, detail: str = "") -> CaseMigration:
    return CaseMigration(case_id=planned.case_id, result=result, stage=planned.stage,
                         from_version=planned.from_version, detail=detail,
                         before=planned.before, after=planned.after)


async def _confirmed(handle: Any, policy: Policy, *, within: timedelta) -> bool:
    """Whether the case follows `policy`, asked until `within` has passed."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within.total_seconds()
    while True:
        try:
            view = await handle.query(CaseWorkflow.view, rpc_timeout=QUERY_TIMEOUT)
            if view.state.policy == policy:
                return True
        except (RPCError, WorkflowQueryFailedError):
            pass
        if loop.time() >= give_up:
            return False
        await asyncio.sleep(0.2)


# -- the command ------------------------------------------------------------------------------


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown-cli-user"


def run_migrate(args: Any, settings: Settings, out: TextIO) -> int:
    employer_id = args.employer
    if not EMPLOYER_ID.fullmatch(employer_id):
        raise PolicyUsageError(f"--employer: {employer_id!r} is not an employer id "
                               "(letters, digits and . _ : -)")
    try:
        book = PolicyBook.load(settings.policy_dir, EmployerDirectory.load(settings.employers_dir))
    except (OSError, ValueError) as error:
        raise PolicyUsageError(f"RTW_POLICY_DIR: {error}") from None
    try:
        policy = book.version(employer_id, args.to_version)
    except LookupError as error:
        raise PolicyUsageError(f"--to: {error}") from None
    now = datetime.now(UTC)
    if policy.effective_from > london_date(now):
        raise PolicyUsageError(f"--to: {policy.version} takes effect on "
                               f"{policy.effective_from.isoformat()}; cases can adopt it "
                               "from then")
    user = _os_user()
    actor = Actor(id=user, role=Role.ADMIN, source=Source.CLI)
    reason = args.reason or f"rtw policy migrate --to {policy.version} by {user}"
    try:
        AdoptPolicy(policy=policy, reason=reason)
    except ValidationError as invalid:
        raise PolicyUsageError(f"--reason: {invalid.errors()[0]['msg']}") from None
    record_access_sync(settings.require_database_url(), Access(
        subject=user, role=Role.ADMIN.value, action="policy.migrate", case_id=None,
        channel="cli", client=f"cli:{user}",
        detail=f"employer={employer_id} to={policy.version}"
        + (" dry-run" if args.dry_run else "")))
    return asyncio.run(_run(settings, out, employer_id=employer_id, policy=policy, actor=actor,
                            reason=reason, dry_run=args.dry_run, now=now,
                            as_json=args.json))


async def _run(settings: Settings, out: TextIO, *, employer_id: str, policy: Policy,
               actor: Actor, reason: str, dry_run: bool, now: datetime,
               as_json: bool = False) -> int:
    import sys

    try:
        client = await bootstrap.temporal(settings)
    except RuntimeError as error:
        print(f"rtw policy migrate: Temporal at {settings.temporal_address}: cannot connect "
              f"({error})", file=sys.stderr)
        return Exit.UNREACHABLE
    try:
        migrations = await migrate(client, employer_id=employer_id, policy=policy,
                                   actor=actor, reason=reason, dry_run=dry_run, now=now)
    finally:
        # Let go of the connection while the interpreter is whole: released only at its
        # shutdown, the SDK's native threads aborted the process about once in 25 runs.
        del client
        gc.collect()
        await asyncio.sleep(0.1)
    if as_json:
        print(json.dumps(migrations_json(migrations, employer_id=employer_id, policy=policy,
                                         dry_run=dry_run), indent=2), file=out)
    else:
        print_migrations(migrations, out, employer_id=employer_id, policy=policy,
                         dry_run=dry_run)
    return Exit.OK if all(m.result.settled for m in migrations) else Exit.FAILED


def _due(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="minutes")


@dataclass(frozen=True)
class DeadlineMoves:
    """The open deadlines now and under the version: those anyone may see by name, and those
    whose very name hints at health only counted."""

    named: list[tuple[str, datetime | None, datetime | None]]
    oh_only_now: int
    oh_only_then: int
    oh_only_moving: int


def deadline_moves(before: Sequence[Deadline], after: Sequence[Deadline]) -> DeadlineMoves:
    now_due = {d.key: d.due_at for d in shared_deadlines(before)}
    then_due = {d.key: d.due_at for d in shared_deadlines(after)}
    named = [(key, now_due.get(key), then_due.get(key))
             for key in sorted(now_due.keys() | then_due.keys(),
                               key=lambda k: (then_due.get(k) or now_due[k], k))]
    hidden_now = {d.key: d.due_at for d in before if d.name in OH_ONLY_DEADLINES}
    hidden_then = {d.key: d.due_at for d in after if d.name in OH_ONLY_DEADLINES}
    moving = sum(hidden_now.get(k) != hidden_then.get(k)
                 for k in hidden_now.keys() | hidden_then.keys())
    return DeadlineMoves(named, len(hidden_now), len(hidden_then), moving)


def deadline_lines(before: Sequence[Deadline], after: Sequence[Deadline]) -> list[str]:
    """Each open deadline now and under the version. Deadlines whose very name hints at
    health are counted, not named: whoever runs this sees no clinical detail."""
    moves = deadline_moves(before, after)
    lines = [f"    {key}: {_due(was)} -> {_due(will)}{'' if was == will else '  (moves)'}"
             for key, was, will in moves.named]
    if moves.oh_only_now or moves.oh_only_then:
        lines.append(f"    and OH-only deadline(s): {moves.oh_only_now} now, "
                     f"{moves.oh_only_then} under the version, {moves.oh_only_moving} moving "
                     "or added or gone")
    return lines


def migrations_json(migrations: Sequence[CaseMigration], *, employer_id: str, policy: Policy,
                    dry_run: bool) -> dict[str, Any]:
    """The same as `print_migrations`, as one object (OH-only deadlines counted, not named)."""
    def stamp(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    cases = []
    for migration in migrations:
        moves = deadline_moves(migration.before, migration.after)
        cases.append({
            "case_id": migration.case_id, "result": migration.result.value,
            "stage": migration.stage, "from_version": migration.from_version,
            "detail": migration.detail,
            "deadlines": [{"key": key, "now": stamp(was), "under_version": stamp(will)}
                          for key, was, will in moves.named],
            "oh_only_deadlines": {"now": moves.oh_only_now,
                                  "under_version": moves.oh_only_then,
                                  "moving": moves.oh_only_moving},
        })
    return {"employer_id": employer_id, "policy_version": policy.version, "dry_run": dry_run,
            "cases": cases}


def print_migrations(migrations: Sequence[CaseMigration], out: TextIO, *, employer_id: str,
                     policy: Policy, dry_run: bool) -> None:
    verb = "would adopt (dry run: nothing changed)" if dry_run else "adopting"
    print(f"{employer_id}: {len(migrations)} running case(s); {verb} policy {policy.version}",
          file=out)
    for migration in migrations:
        where = (f" (stage {migration.stage}, policy {migration.from_version})"
                 if migration.stage else "")
        detail = f": {migration.detail}" if migration.detail else ""
        print(f"  {migration.case_id}{where}: {migration.result.value}{detail}", file=out)
        if migration.result in (Result.WOULD_ADOPT, Result.ADOPTED, Result.UNCONFIRMED):
            for line in deadline_lines(migration.before, migration.after):
                print(line, file=out)
    counts: dict[str, int] = {}
    for migration in migrations:
        counts[migration.result.value] = counts.get(migration.result.value, 0) + 1
    print(", ".join(f"{count} {result}" for result, count in counts.items()) or "nothing to do",
          file=out)
