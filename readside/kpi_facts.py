"""The KPI facts: each case reduced to `domain.kpis.CaseFacts`, projected from the event store.

One row per case: the dates a period is chosen by (opened, closed, followed up, the span of its
escalations) as columns, and the whole `CaseFacts` as JSON (a fact without a value is left
out: a tenth less to read back for a report). No name, note, diagnosis or other
free text: the facts are dates, categories, counts and outcomes, so the people who evaluate the
service can read this table. Projected by `readside.projection` (its own position, `kpi_facts`).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from domain.kpis import CaseFacts
from domain.state import CaseState
from eventstore.store import CaseEventStore
from readside.projection import CaseProjector, Projection, prepare

PROJECTION = "kpi_facts"

KPI_FACTS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_kpi_facts (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    opened_on date NOT NULL,
    closed_on date,
    follow_up_on date,
    escalated daterange,
    facts jsonb NOT NULL,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rtw_kpi_facts_by_opened ON rtw_kpi_facts (opened_on);
CREATE INDEX IF NOT EXISTS rtw_kpi_facts_by_closed ON rtw_kpi_facts (closed_on);
CREATE INDEX IF NOT EXISTS rtw_kpi_facts_by_follow_up ON rtw_kpi_facts (follow_up_on);
CREATE INDEX IF NOT EXISTS rtw_kpi_facts_by_escalated ON rtw_kpi_facts USING gist (escalated);
CREATE INDEX IF NOT EXISTS rtw_kpi_facts_by_employer ON rtw_kpi_facts (employer_id, opened_on);
"""

UPSERT_FACTS = """
INSERT INTO rtw_kpi_facts (case_id, employer_id, opened_on, closed_on, follow_up_on, escalated,
    facts, version, updated_at)
VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::date IS NULL THEN NULL
                                 ELSE daterange($6::date, $7::date, '[]') END,
        $8::jsonb, $9, now())
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, opened_on = EXCLUDED.opened_on,
    closed_on = EXCLUDED.closed_on, follow_up_on = EXCLUDED.follow_up_on,
    escalated = EXCLUDED.escalated, facts = EXCLUDED.facts, version = EXCLUDED.version,
    updated_at = now()
WHERE rtw_kpi_facts.version < EXCLUDED.version
"""


def facts_row(facts: CaseFacts, version: int) -> tuple[Any, ...]:
    """The row of `rtw_kpi_facts` that holds `facts`, for the statement above."""
    escalated = facts.escalated_on
    return (
        facts.case_id, facts.employer_id, facts.opened_on, facts.closed_on, facts.follow_up_on,
        min(escalated) if escalated else None, max(escalated) if escalated else None,
        facts.model_dump_json(exclude_none=True), version,
    )


def kpi_facts_row(state: CaseState) -> tuple[Any, ...]:
    return facts_row(CaseFacts.of(state), state.version)


KPI_FACTS = Projection(name=PROJECTION, ddl=KPI_FACTS_DDL, upsert=UPSERT_FACTS, row=kpi_facts_row)


class KpiFactsProjector(CaseProjector):
    """Tails the notification log into `rtw_kpi_facts`."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        super().__init__(store, pool, KPI_FACTS, cache_size=cache_size)

    @staticmethod
    async def prepare(pool: asyncpg.Pool) -> None:
        """The table and starting position, if they are not there yet."""
        await prepare(pool, KPI_FACTS)
