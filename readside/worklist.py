"""The worklist: one row per case, projected from the event store's notification log.

The rows carry no clinical field and never the employee in clear: the pseudonymous employee key
(`domain.ids.employee_key`) where the HR id would be, and the employee's id and name sealed
under the case's data key (`eventstore.row_seal`), opened by the API for the page it shows.
The next deadline is kept twice, once as OH sees it and once
without the deadlines whose very name hints at health. The projection machinery (positions,
restarts, quarantine) is `readside.projection`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from domain.deadlines import outstanding_deadlines, shared_deadlines
from domain.ids import employee_key
from domain.stages import OPEN_STAGES
from domain.state import CaseState
from domain.vocabulary import Tier
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from readside.projection import CaseProjector, Projection, prepare

PROJECTION = "worklist"
OWNED_TIERS = frozenset({Tier.CASE_COORDINATION, Tier.SPECIALIST})

WORKLIST_DDL = """
CREATE TABLE IF NOT EXISTS rtw_worklist (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    route text NOT NULL,
    stage text NOT NULL,
    manager_id text NOT NULL,
    employee_key uuid,
    employee_sealed bytea,
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
DO $$
BEGIN
    -- Who owns the case came later: add its columns once, then project every case again from
    -- the start of the log (rows projected before know nothing of tiers or case managers).
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'rtw_worklist'
                   AND column_name = 'unassigned') THEN
        ALTER TABLE rtw_worklist
            ADD COLUMN case_manager_id text, ADD COLUMN case_manager_name text,
            ADD COLUMN cover_id text, ADD COLUMN cover_name text, ADD COLUMN cover_until date,
            ADD COLUMN unassigned boolean NOT NULL DEFAULT false;
        UPDATE rtw_worklist SET version = 0;
        UPDATE rtw_projection_positions SET position = 0 WHERE name = 'worklist';
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS rtw_worklist_by_case_manager
    ON rtw_worklist (case_manager_id, cover_id);
DO $$
BEGIN
    -- A community case has no line manager: the column takes none (once; no re-projection,
    -- as every row projected before has one).
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'rtw_worklist'
               AND column_name = 'manager_id' AND is_nullable = 'NO') THEN
        ALTER TABLE rtw_worklist ALTER COLUMN manager_id DROP NOT NULL;
    END IF;
END $$;
DO $$
BEGIN
    -- The employee's HR id and name were kept in clear: replace them by the pseudonymous key
    -- and the sealed person (once; rules 3 projects every case again to fill them).
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'rtw_worklist'
               AND column_name = 'employee_name') THEN
        ALTER TABLE rtw_worklist DROP COLUMN IF EXISTS employee_id,
            DROP COLUMN IF EXISTS employee_name,
            ADD COLUMN IF NOT EXISTS employee_key uuid,
            ADD COLUMN IF NOT EXISTS employee_sealed bytea;
    END IF;
END $$;
"""

_UPSERT = """
INSERT INTO rtw_worklist (case_id, employer_id, route, stage, manager_id, employee_key,
    employee_sealed, assigned_to, opened_at, next_deadline_at, next_deadline_name,
    next_shared_deadline_at, next_shared_deadline_name, version, case_manager_id,
    case_manager_name, cover_id, cover_name, cover_until, unassigned, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
    $20, now())
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, route = EXCLUDED.route, stage = EXCLUDED.stage,
    manager_id = EXCLUDED.manager_id, employee_key = EXCLUDED.employee_key,
    employee_sealed = EXCLUDED.employee_sealed, assigned_to = EXCLUDED.assigned_to,
    opened_at = EXCLUDED.opened_at, next_deadline_at = EXCLUDED.next_deadline_at,
    next_deadline_name = EXCLUDED.next_deadline_name,
    next_shared_deadline_at = EXCLUDED.next_shared_deadline_at,
    next_shared_deadline_name = EXCLUDED.next_shared_deadline_name,
    version = EXCLUDED.version, case_manager_id = EXCLUDED.case_manager_id,
    case_manager_name = EXCLUDED.case_manager_name, cover_id = EXCLUDED.cover_id,
    cover_name = EXCLUDED.cover_name, cover_until = EXCLUDED.cover_until,
    unassigned = EXCLUDED.unassigned, updated_at = now()
WHERE rtw_worklist.version < EXCLUDED.version
"""


Sealer = Callable[[str, Any], bytes | None]
"""Seals a value for a read row of a case (`eventstore.row_seal.RowSeal.seal`)."""


def sealed_person(state: CaseState, seal: Sealer) -> bytes | None:
    """The employee's HR id and name, sealed under the case's data key."""
    return seal(state.case_id, {"id": state.employee.id, "name": state.employee.name})


def worklist_row(state: CaseState, seal: Sealer) -> tuple[Any, ...]:
    # A task missed but not done keeps the case overdue (and first) until it is done.
    deadlines = outstanding_deadlines(state)
    shared = shared_deadlines(deadlines)
    assigned = (
        state.latest_assessment.assessor.id if state.latest_assessment
        else state.referral.accepted_by if state.referral else None
    )
    return (
        state.case_id, state.employer_id, state.route.value, state.stage.value,
        state.manager.id if state.manager else None,
        uuid.UUID(employee_key(state.employer_id, state.employee.id)),
        sealed_person(state, seal),
        assigned, state.opened_at,
        deadlines[0].due_at if deadlines else None, deadlines[0].name if deadlines else None,
        shared[0].due_at if shared else None, shared[0].name if shared else None,
        state.version, *_ownership(state),
    )


def _ownership(state: CaseState) -> tuple[Any, ...]:
    """The case manager and any cover (the query picks the one in post on its day), and whether
    the case lacks the owner its tier calls for: a tier-2 or tier-3 case in an open stage."""
    manager, cover = state.case_manager, state.case_manager_cover
    latest = state.latest_assessment
    needs_owner = (latest is not None and latest.tier in OWNED_TIERS
                   and state.stage in OPEN_STAGES)
    return (
        manager.id if manager else None, manager.name if manager else None,
        cover.id if cover else None, cover.name if cover else None,
        cover.until if cover else None, needs_owner and manager is None,
    )


def worklist_projection(seal: Sealer) -> Projection:
    """The worklist, its employees sealed with `seal`."""
    # Rules 2: a task missed but not done stays the case's next deadline (overdue) until done.
    # Rules 3: the employee is kept as a pseudonymous key and sealed, no longer in clear.
    return Projection(name=PROJECTION, ddl=WORKLIST_DDL, upsert=_UPSERT,
                      row=lambda state: worklist_row(state, seal),
                      rules=3, rewrite="UPDATE rtw_worklist SET version = 0")


def _no_row(state: CaseState) -> tuple[Any, ...]:
    raise RuntimeError("WORKLIST only prepares the tables: project with worklist_projection")


WORKLIST = Projection(name=PROJECTION, ddl=WORKLIST_DDL, upsert=_UPSERT, row=_no_row, rules=3,
                      rewrite="UPDATE rtw_worklist SET version = 0")
"""The worklist's tables and rules (for `prepare`); its rows need a store's data keys."""


class WorklistProjector(CaseProjector):
    """Tails the notification log into `rtw_worklist`."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        seal = RowSeal(store.subject_keys, adopt=store.adopt_key).seal
        super().__init__(store, pool, worklist_projection(seal),
                         cache_size=cache_size)

    @staticmethod
    async def prepare(pool: asyncpg.Pool) -> None:
        """The worklist's tables and starting position, if they are not there yet."""
        await prepare(pool, WORKLIST)
