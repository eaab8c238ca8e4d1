"""`rtw audit …`: what auditors run against the event store."""

from __future__ import annotations

import json
import sys
import uuid

from domain.evolve import ReplayError
from eventstore.replay import ReplayStep, replay
from eventstore.store import CaseEventStore
from worker.settings import Settings


def _open_store(settings: Settings) -> CaseEventStore:
    return CaseEventStore.connect(
        settings.require_database_url(),
        cipher_key=settings.event_cipher_key,
        audit_key=settings.audit_hmac_key,
    )


def replay_command(case_id: str, output_format: str, settings: Settings) -> int:
    try:
        uuid.UUID(case_id)
    except ValueError:
        print(f"rtw audit replay: CASE_ID must be a case id (a UUID), not {case_id!r}",
              file=sys.stderr)
        return 2
    store = _open_store(settings)
    try:
        records = store.history(case_id)
    finally:
        store.close()
    if not records:
        print(f"rtw audit replay: no events recorded for case {case_id}", file=sys.stderr)
        return 1
    try:
        steps = replay(records)
    except ReplayError as error:
        print(f"rtw audit replay: case {case_id} cannot be replayed: {error}", file=sys.stderr)
        return 1
    if output_format == "json":
        for step in steps:
            print(json.dumps(_as_json(step), default=str))
    else:
        _print_table(case_id, steps)
    return 0


def _as_json(step: ReplayStep) -> dict[str, object]:
    record = step.record
    return {
        "position": record.position,
        "event_id": record.event_id,
        "type": record.event_type,
        "occurred_at": record.occurred_at.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "source": record.source,
        "reason": record.reason,
        "policy_version": record.policy_version,
        "workflow_id": record.workflow_id,
        "run_id": record.run_id,
        "trace_id": record.trace_id,
        "stage_after": step.state.stage.value,
    }


def _print_table(case_id: str, steps: list[ReplayStep]) -> None:
    print(f"case {case_id}: {len(steps)} events")
    header = ("#", "occurred_at", "type", "actor", "stage after", "reason")
    rows = [
        (
            str(step.record.position),
            step.record.occurred_at.isoformat(timespec="seconds"),
            step.record.event_type,
            f"{step.record.actor_id} ({step.record.actor_role}/{step.record.source})",
            step.state.stage.value,
            step.record.reason,
        )
        for step in steps
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
