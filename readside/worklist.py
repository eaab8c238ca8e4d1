"""The worklist: one row per case, projected from the event store's notification log.

The rows carry no clinical field; the next deadline is kept twice, once as OH sees it and once
without the deadlines whose very name hints at health. The projection machinery (positions,
restarts, quarantine) is `readside.projection`'s.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from domain.deadlines import open_deadlines, shared_deadlines
from domain.state import CaseState
from eventstore.store import CaseEventStore
from readside.projection import CaseProjector, Projection, prepare

PROJECTION = "worklist"

WORKLIST_DDL = """
CREATE TABLE IF NOT EXISTS rtw_worklist (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    route text NOT NULL,
    stage text NOT NULL,
    manager_id text NOT NULL,
    employee_id text NOT NULL,
    employee_name text NOT NULL,
    assigned_to text,
    opened_at timestamptz NOT NULL,
    next_deadline_at timestamptz,
    next_deadline_name text,
    next_shared_deadline_at timestamptz,
    next_shared_deadline_name text,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rtw_worklist_by_deadline
    ON rtw_worklist (next_deadline_at, case_id);
CREATE INDEX IF NOT EXISTS rtw_worklist_by_shared_deadline
    ON rtw_worklist (next_shared_deadline_at, case_id);
CREATE INDEX IF NOT EXISTS rtw_worklist_by_manager ON rtw_worklist (manager_id);
"""

_UPSERT = """
INSERT INTO rtw_worklist (case_id, employer_id, route, stage, manager_id, employee_id,
    employee_name, assigned_to, opened_at, next_deadline_at, next_deadline_name,
    next_shared_deadline_at, next_shared_deadline_name, version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, route = EXCLUDED.route, stage = EXCLUDED.stage,
    manager_id = EXCLUDED.manager_id, employee_id = EXCLUDED.employee_id,
    employee_name = EXCLUDED.employee_name, assigned_to = EXCLUDED.assigned_to,
    opened_at = EXCLUDED.opened_at, next_deadline_at = EXCLUDED.next_deadline_at,
    next_deadline_name = EXCLUDED.next_deadline_name,
    next_shared_deadline_at = EXCLUDED.next_shared_deadline_at,
    next_shared_deadline_name = EXCLUDED.next_shared_deadline_name,
    version = EXCLUDED.version, updated_at = now()
WHERE rtw_worklist.version < EXCLUDED.version
"""


def worklist_row(state: CaseState) -> tuple[Any, ...]:
    deadlines = open_deadlines(state)
    shared = shared_deadlines(deadlines)
    assigned = (
        state.latest_assessment.assessor.id if state.latest_assessment
        else state.referral.accepted_by if state.referral else None
    )
    return (
        state.case_id, state.employer_id, state.route.value, state.stage.value,
        state.manager.id, state.employee.id, state.employee.name, assigned, state.opened_at,
        deadlines[0].due_at if deadlines else None, deadlines[0].name if deadlines else None,
        shared[0].due_at if shared else None, shared[0].name if shared else None,
        state.version,
    )


WORKLIST = Projection(name=PROJECTION, ddl=WORKLIST_DDL, upsert=_UPSERT, row=worklist_row)


class WorklistProjector(CaseProjector):
    """Tails the notification log into `rtw_worklist`."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        super().__init__(store, pool, WORKLIST, cache_size=cache_size)

    @staticmethod
    async def prepare(pool: asyncpg.Pool) -> None:
        """The worklist's tables and starting position, if they are not there yet."""
        await prepare(pool, WORKLIST)
