"""`rtw audit …`: what auditors run against the event store.

Every command that reads case data first writes who ran it to the access log (channel `cli`,
client = the OS user), so a read through the CLI is as visible as one through the API.

`replay` and `export` read a case's events as an audit over HTTP does: clinical content
withheld (`domain.disclosure.event_for_audit`), and whole only for a clinical read that names
its purpose (`--clinical --purpose TEXT`, kept in the access log entry of the read).
"""

from __future__ import annotations

import getpass
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from api.audit_params import PURPOSE_LENGTH
from cli.exit_codes import Exit
from cli.progress import Progress
from domain.actors import Role
from domain.disclosure import audit_sees_clinical
from domain.evolve import ReplayError
from eventstore.chain import MIN_KEY_BYTES
from eventstore.checkpoint import (
    Checkpoint,
    CheckpointError,
    Finding,
    compare,
    signature_problem,
    write_atomically,
)
from eventstore.checkpoint import load as load_checkpoint
from eventstore.checkpoint import take as take_checkpoint
from eventstore.export import ExportFormat, ExportWindow, audited_text, audited_view
from eventstore.keyring import KeyRing, KeyRingError, parse_key_ring
from eventstore.moments import parse_date, parse_moment
from eventstore.replay import ReplayStep, as_the_record_stood, replay
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from eventstore.view import EventView
from infra import bootstrap
from infra.settings import MISSING_AUDIT_KEY, Settings
from readside.access_log import Access, iter_access_sync, printable, record_access_sync


class UsageError(Exception):
    """Bad input: one line naming the flag and what it accepts."""


def _open_store(settings: Settings) -> CaseEventStore:
    try:
        return bootstrap.event_store(settings)
    except ValueError as error:  # a key in the settings that cannot be used, named
        raise UsageError(str(error)) from None


def _log_read(settings: Settings, action: str, case_id: str | None, detail: str = "", *,
              role: Role = Role.AUDITOR, purpose: str | None = None) -> None:
    """Record the read before it happens; the input has been checked, the settings are now."""
    if not settings.audit_hmac_key:
        raise UsageError(MISSING_AUDIT_KEY)
    user = getpass.getuser()
    record_access_sync(
        settings.require_database_url(),
        Access(subject=user, role=role.value, action=action, case_id=case_id, channel="cli",
               client=f"cli:{user}", detail=detail, purpose=purpose),
    )


class AuditRead:
    """Who an audit read through the CLI reads as, and the purpose named: `--clinical` reads
    as the clinical auditor, which must name its purpose; clinical content is shown by the
    same rule as over HTTP (`domain.disclosure.audit_sees_clinical`)."""

    def __init__(self, args: Any) -> None:
        self.role = Role.CLINICAL_AUDITOR if getattr(args, "clinical", False) else Role.AUDITOR
        self.purpose = purpose_arg(self.role, getattr(args, "purpose", None))

    @property
    def clinical(self) -> bool:
        return audit_sees_clinical(self.role, self.purpose)


def purpose_arg(role: Role, purpose: str | None) -> str | None:
    """The purpose a read names, checked as the API checks it (`api.audit_params`): one line of
    10 to 500 printable characters, required for a clinical read."""
    if purpose is None or not purpose.strip():
        if role is Role.CLINICAL_AUDITOR:
            raise UsageError("--clinical needs --purpose TEXT: why this clinical read is made, "
                             "10 to 500 printable characters, kept in the access log")
        return None
    text = purpose.strip()
    shortest, longest = PURPOSE_LENGTH
    if not shortest <= len(text) <= longest:
        raise UsageError(f"--purpose: give {shortest} to {longest} characters, not {len(text)}")
    if not text.isprintable():
        raise UsageError("--purpose: printable characters on one line only: no line breaks, "
                         "tabs or other control characters")
    return text


def case_id_arg(value: str, flag: str = "CASE_ID") -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(f"{flag} must be a case id (a UUID), not {value!r}") from None


def run(command: str, args: Any, settings: Settings, out: TextIO | None = None) -> int:
    """Run one `rtw audit` command; bad input is one line on stderr and exit code 2 (an outage
    is exit code 5, from `cli.main`)."""
    handlers: dict[str, Callable[[Any, Settings, TextIO], int]] = {
        "replay": replay_command,
        "verify": verify_command,
        "export": export_command,
        "access-log": access_log_command,
        "reconcile": reconcile_command,
        "quarantine": quarantine_command,
        "checkpoint": checkpoint_command,
    }
    try:
        return handlers[command](args, settings, out or sys.stdout)
    except UsageError as error:
        print(f"rtw audit {command}: {error}", file=sys.stderr)
        return Exit.USAGE


# -- replay ---------------------------------------------------------------------------------


def replay_command(args: Any, settings: Settings, out: TextIO) -> int:
    case_id = case_id_arg(args.case_id)
    as_of = _moment(args.as_of, "--as-of") if args.as_of else None
    if args.position is not None and args.position < 1:
        raise UsageError("--position must be a whole number from 1")
    read = AuditRead(args)
    detail = " ".join(
        ([f"as_of={as_of.isoformat()}"] if as_of else [])
        + ([f"position={args.position}"] if args.position is not None else [])
    )
    _log_read(settings, "case.history", case_id, detail, role=read.role, purpose=read.purpose)
    store = _open_store(settings)
    try:
        records = store.history(case_id)
    finally:
        store.close()
    if not records:
        print(f"rtw audit replay: no events recorded for case {case_id}", file=sys.stderr)
        return 1
    records = as_the_record_stood(records, as_of=as_of, position=args.position)
    try:
        steps = replay(records)
    except ReplayError as error:
        print(f"rtw audit replay: case {case_id} cannot be replayed: {error}", file=sys.stderr)
        return 1
    if args.format == "json":
        for step in steps:
            print(json.dumps(_as_json(step, clinical=read.clinical), default=str), file=out)
    else:
        _print_table(case_id, steps, out, as_of=as_of, position=args.position,
                     clinical=read.clinical)
    return 0


def _moment(text: str, flag: str) -> datetime:
    try:
        return parse_moment(text)
    except ValueError as error:
        raise UsageError(f"{flag}: {error}") from None


def _as_json(step: ReplayStep, *, clinical: bool) -> dict[str, object]:
    """The step as an audit reads it; the whole case state after it only in a clinical read
    (it holds the clinical detail the events do)."""
    view, withheld = audited_view(step.view, clinical=clinical)
    return {
        **view.as_json(),
        "why": view.why,
        "stage_after": step.state.stage.value,
        "withheld": list(withheld),
        **({"state_after": step.state.model_dump(mode="json")} if clinical else {}),
    }


def _print_table(
    case_id: str, steps: list[ReplayStep], out: TextIO, *, as_of: datetime | None,
    position: int | None, clinical: bool,
) -> None:
    scope = f" as recorded by {as_of.isoformat()}" if as_of else ""
    scope += f" up to position {position}" if position is not None else ""
    shown = "clinical content shown" if clinical else "clinical content withheld"
    print(f"case {case_id}{scope}: {len(steps)} events ({shown})", file=out)
    views: list[EventView] = [audited_view(step.view, clinical=clinical)[0] for step in steps]
    header = ("#", "recorded_at", "occurred_at", "type", "actor", "stage after",
              "reminders", "escalated", "why")
    rows = [
        (
            str(event.position),
            event.recorded_at.isoformat(timespec="seconds"),
            event.occurred_at.isoformat(timespec="seconds"),
            event.type,
            f"{event.actor_id} ({event.actor_role}/{event.source})",
            state.stage.value,
            str(state.contact_reminders_sent),
            "yes" if state.contact_escalated else "no",
            event.why,
        )
        for event, state in zip(views, (step.state for step in steps), strict=True)
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]), file=out)


# -- verify ---------------------------------------------------------------------------------


def verify_command(args: Any, settings: Settings, out: TextIO) -> int:
    against = getattr(args, "against", None)
    if args.case_id is not None and args.all:
        raise UsageError("give one CASE_ID or --all")
    if args.case_id is None and not args.all and against is None:
        raise UsageError("give one CASE_ID or --all")
    case_id = case_id_arg(args.case_id) if args.case_id else None
    checkpoint = _checkpoint_arg(against) if against is not None else None
    ring = _audit_ring(settings) if checkpoint is not None else None
    detail = "" if case_id else "all"
    if against is not None:
        detail = f"{detail} against={Path(against).name}".strip()
    _log_read(settings, "audit.verify", case_id, detail)
    as_json = args.format == "json"
    store = _open_store(settings)
    cases = events = 0
    broken: list[dict[str, object]] = []
    findings: list[Finding] = []
    progress = Progress("verify", unit="case(s)")
    try:
        for verdict in verify_cases(store, case_id):
            cases += 1
            events += verdict.events
            progress.advance()
            if verdict.broken is not None:
                broken.append({"case_id": verdict.case_id, "position": verdict.broken.position,
                               "problem": verdict.broken.problem})
                if not as_json:
                    print(f"BROKEN case {verdict.case_id} at position "
                          f"{verdict.broken.position}: {verdict.broken.problem}", file=out,
                          flush=True)
        if checkpoint is not None and ring is not None:
            findings = _against(store, ring, checkpoint, case_id)
    finally:
        progress.close()
        store.close()
    if case_id is not None and cases == 0 and not findings:
        print(f"rtw audit verify: no events recorded for case {case_id}", file=sys.stderr)
        return Exit.FAILED
    if as_json:
        result: dict[str, object] = {"cases": cases, "events": events,
                                     "holds": not broken and not findings, "broken": broken}
        if checkpoint is not None:
            result["checkpoint"] = {
                "file": str(against), "taken_at": checkpoint.taken_at.isoformat(),
                "key_id": checkpoint.key_id, "cases": len(checkpoint.heads),
                "findings": [{"case_id": f.case_id, "problem": f.problem} for f in findings],
            }
        print(json.dumps(result), file=out)
    else:
        for finding in findings:
            where = f"case {finding.case_id}" if finding.case_id else "checkpoint"
            print(f"AGAINST CHECKPOINT {where}: {finding.problem}", file=out)
        outcome = f"{len(broken)} broken" if broken else "every chain holds"
        if checkpoint is not None:
            outcome += (f"; against the checkpoint of {checkpoint.taken_at.isoformat()}: "
                        + (f"{len(findings)} problem(s)" if findings else
                           f"all {len(checkpoint.heads)} checkpointed case(s) hold"))
        print(f"verified {cases} case(s), {events} event(s): {outcome}", file=out)
    return Exit.FAILED if broken or findings else Exit.OK


def _checkpoint_arg(path: str) -> Checkpoint:
    try:
        return load_checkpoint(Path(path))
    except CheckpointError as error:
        raise UsageError(f"--against: {error}") from None


def _audit_ring(settings: Settings) -> KeyRing:
    try:
        return parse_key_ring(settings.audit_hmac_key, setting="RTW_AUDIT_HMAC_KEY",
                              min_size=MIN_KEY_BYTES)
    except KeyRingError as error:
        raise UsageError(str(error)) from None


def _against(store: CaseEventStore, ring: KeyRing, checkpoint: Checkpoint,
             case_id: str | None) -> list[Finding]:
    """A checkpoint whose signature fails is the only finding: its heads cannot be trusted."""
    problem = signature_problem(ring, checkpoint)
    if problem is not None:
        return [Finding(None, problem)]
    return list(compare(store, checkpoint, case_id=case_id))


# -- checkpoint -----------------------------------------------------------------------------


def checkpoint_command(args: Any, settings: Settings, out: TextIO) -> int:
    path = Path(args.out)
    if path.is_dir():
        raise UsageError(f"--out must name a file, not the folder {args.out!r}")
    if not path.parent.is_dir() and str(path.parent):
        raise UsageError(f"--out: the folder {str(path.parent)!r} does not exist")
    ring = _audit_ring(settings)
    _log_read(settings, "audit.checkpoint", None, "all")
    store = _open_store(settings)
    try:
        checkpoint, altered = take_checkpoint(store, ring, now=datetime.now(UTC))
    finally:
        store.close()
    try:
        write_atomically(path, checkpoint.document())
    except OSError as error:
        raise UsageError(f"--out: cannot write {args.out!r} ({error.strerror})") from None
    for case_id in altered:
        print(f"LEFT OUT case {case_id}: its chain head was altered "
              "(`rtw audit verify` names the problem)", file=out)
    print(f"checkpoint of {len(checkpoint.heads)} case(s) written to {path} "
          f"(signed with key '{checkpoint.key_id}'); keep it outside the database", file=out)
    return Exit.FAILED if altered else Exit.OK


# -- export ---------------------------------------------------------------------------------


def export_command(args: Any, settings: Settings, out: TextIO) -> int:
    case_id = case_id_arg(args.case, "--case") if args.case else None
    if (args.date_from is None) != (args.date_to is None):
        raise UsageError("give both --from and --to (YYYY-MM-DD), or neither")
    window = None
    if args.date_from is not None:
        try:
            window = ExportWindow(parse_date(args.date_from), parse_date(args.date_to))
        except ValueError as error:
            raise UsageError(f"--from/--to: {error}") from None
    read = AuditRead(args)
    detail = f"format={args.format}"
    if window is not None:
        detail += f" from={window.first} to={window.last}"
    _log_read(settings, "audit.export", case_id, detail, role=read.role, purpose=read.purpose)
    output_format: ExportFormat = args.format
    store = _open_store(settings)
    progress = Progress("export", unit="line(s)")
    try:
        for chunk in audited_text(store, output_format, clinical=read.clinical, case_id=case_id,
                                  window=window):
            out.write(chunk)
            progress.advance(chunk.count("\n"))
    finally:
        progress.close()
        store.close()
    out.flush()
    return 0


# -- access log -----------------------------------------------------------------------------


def access_log_command(args: Any, settings: Settings, out: TextIO) -> int:
    case_id = case_id_arg(args.case, "--case") if args.case else None
    database_url = settings.require_database_url()
    _log_read(settings, "audit.access-log", case_id)
    rows: Iterator[dict[str, Any]] = iter_access_sync(database_url, case_id=case_id)
    for row in rows:
        if args.format == "json":
            print(json.dumps(row), file=out)
        else:
            # each field escaped: a line break stored before the table refused them cannot
            # pass for an entry of its own
            text = {key: printable(str(value)) for key, value in row.items()}
            print(f"{text['accessed_at']}  {text['channel']:<3}  {text['client']:<21}  "
                  f"{text['subject']} ({text['role']})  {text['action']}  "
                  f"{row['case_id'] or '-'}  {text['detail']}"
                  f"{'  status=' + text['status'] if row.get('status') is not None else ''}"
                  f"{'  purpose=' + text['purpose'] if row.get('purpose') else ''}", file=out)
    return 0


# -- reconcile ------------------------------------------------------------------------------


def reconcile_command(args: Any, settings: Settings, out: TextIO) -> int:
    import asyncio

    from cli.reconcile import reconcile_case

    case_id = case_id_arg(args.case_id)
    _log_read(settings, "case.reconcile", case_id)
    return asyncio.run(reconcile_case(case_id, settings, out, as_json=args.format == "json"))


# -- quarantine -----------------------------------------------------------------------------


def quarantine_command(args: Any, settings: Settings, out: TextIO) -> int:
    import asyncio

    case_id = case_id_arg(args.release, "--release") if args.release else None
    _log_read(settings, "audit.quarantine", case_id, "release" if case_id else "list")
    return asyncio.run(_quarantine(settings, out, release=case_id, as_json=args.format == "json"))


async def _quarantine(settings: Settings, out: TextIO, *, release: str | None,
                      as_json: bool) -> int:
    from readside.kpi_facts import KpiFactsProjector
    from readside.quarantine import list_quarantined
    from readside.worklist import WorklistProjector

    pool = await bootstrap.database_pool(settings, max_size=2)
    try:
        await WorklistProjector.prepare(pool)
        if release is None:
            held = await list_quarantined(pool)
            for case in held:
                if as_json:
                    print(json.dumps({"case_id": case.case_id, "projection": case.projection,
                                      "position": case.position, "error_type": case.error_type,
                                      "quarantined_at": case.quarantined_at.isoformat()}),
                          file=out)
                else:
                    print(f"{case.quarantined_at.isoformat(timespec='seconds')}  "
                          f"{case.projection:<10} {case.case_id}  position {case.position}  "
                          f"{case.error_type}", file=out)
            if not as_json:
                print(f"{len(held)} case(s) quarantined", file=out)
            return 0
        # Released from every projection that set it aside (the worklist if none did).
        holding = {case.projection for case in await list_quarantined(pool)
                   if case.case_id == release}
        store = await bootstrap.open_event_store(settings)
        try:
            projectors = [WorklistProjector(store, pool), KpiFactsProjector(store, pool)]
            projected = True
            for projector in [p for p in projectors if p.name in holding] or projectors[:1]:
                projected = await projector.release(release) and projected
        finally:
            store.close()
    finally:
        await pool.close()
    if projected:
        print(f"case {release}: released and projected again", file=out)
        return 0
    print(f"case {release}: still cannot be projected; quarantined again "
          "(`rtw audit quarantine` shows where)", file=out)
    return 1
