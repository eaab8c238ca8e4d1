"""Employees signing in by a one-time link sent to the address HR gave for them.

Two tables. `rtw_employee_contacts` is a projection of every case: whose it is (the employer, the
pseudonymous employee key of `domain.ids.employee_key`, and the employee's HR id and name sealed
under the case's data key by `eventstore.row_seal`, never in clear) and a keyed digest of the
employee's address as the case holds it now (never the address itself), so an address can be
looked up without reading every case. It follows the
case: when HR changes the employee's address (`EmployeeDetailsChanged`) the new digest replaces
the old, so the old address gets no more links, and a link already sent to it signs no one in.
`rtw_employee_links` holds each link asked for: its id, whose it is (the employee key, and the HR
id sealed under the case the link was sent for), when it expires and when it was used; never
its secret (`infra.sign_in_links` makes that from the id). A link is used by one UPDATE that
only an unused, unexpired row passes, so two clicks at once open one session.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg

from domain.ids import employee_key
from domain.stages import Stage
from domain.state import CaseState
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from infra.sign_in_links import LINK_LIFETIME, LINKS_PER_HOUR, SignInLinkKey
from readside.outbox import put_sign_in_link
from readside.projection import CaseProjector, Projection
from readside.worklist import Sealer, sealed_person

PROJECTION = "employee_contacts"

EMPLOYEE_LINKS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_employee_contacts (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    employee_key uuid,
    employee_sealed bytea,
    address_digest text NOT NULL,
    open boolean NOT NULL,
    opened_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX IF NOT EXISTS rtw_employee_contacts_by_address
    ON rtw_employee_contacts (address_digest) WHERE open;
DO $$
BEGIN
    -- The HR id and name were kept in clear: replace them by the pseudonymous key and the
    -- sealed person (once; rules 2 projects every case again to fill them).
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'rtw_employee_contacts'
               AND column_name = 'employee_name') THEN
        DROP INDEX IF EXISTS rtw_employee_contacts_by_employee;
        ALTER TABLE rtw_employee_contacts DROP COLUMN IF EXISTS employee_id,
            DROP COLUMN IF EXISTS employee_name,
            ADD COLUMN IF NOT EXISTS employee_key uuid,
            ADD COLUMN IF NOT EXISTS employee_sealed bytea;
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS rtw_employee_contacts_by_key
    ON rtw_employee_contacts (employer_id, employee_key);
CREATE TABLE IF NOT EXISTS rtw_employee_links (
    link_id text PRIMARY KEY,
    employer_id text NOT NULL,
    employee_id text NOT NULL,
    address_digest text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX IF NOT EXISTS rtw_employee_links_by_address
    ON rtw_employee_links (address_digest, created_at);
-- Whose a link is: the pseudonymous key, and the HR id sealed under the case it was sent for
-- (links made before kept the HR id in clear; they expire within the link lifetime).
ALTER TABLE rtw_employee_links ADD COLUMN IF NOT EXISTS employee_key uuid,
    ADD COLUMN IF NOT EXISTS case_id uuid, ADD COLUMN IF NOT EXISTS employee_sealed bytea,
    ALTER COLUMN employee_id DROP NOT NULL;
"""

_UPSERT = """
INSERT INTO rtw_employee_contacts (case_id, employer_id, employee_key, employee_sealed,
    address_digest, open, opened_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, employee_key = EXCLUDED.employee_key,
    employee_sealed = EXCLUDED.employee_sealed,
    address_digest = EXCLUDED.address_digest, open = EXCLUDED.open,
    opened_at = EXCLUDED.opened_at, version = EXCLUDED.version
WHERE rtw_employee_contacts.version < EXCLUDED.version
"""


def contacts_projection(key: SignInLinkKey, seal: Sealer) -> Projection:
    """The projection of each case's employee (pseudonymous key, sealed HR id and name) and
    the digest of their address."""

    def row(state: CaseState) -> tuple[Any, ...]:
        return (state.case_id, state.employer_id,
                uuid.UUID(employee_key(state.employer_id, state.employee.id)),
                sealed_person(state, seal),
                key.address_digest(state.employee.email), state.stage is not Stage.CLOSED,
                state.opened_at, state.version)

    # Rules 2: the employee is kept as a pseudonymous key and sealed, no longer in clear.
    return Projection(name=PROJECTION, ddl=EMPLOYEE_LINKS_DDL, upsert=_UPSERT, row=row,
                      rules=2, rewrite="UPDATE rtw_employee_contacts SET version = 0")


class EmployeeContactsProjector(CaseProjector):
    """Tails the notification log into `rtw_employee_contacts` (keyed by the store's audit
    key, as the API that looks addresses up is)."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        self._key = SignInLinkKey.from_audit_key(store.audit_key)
        seal = RowSeal(store.subject_keys, adopt=store.adopt_key).seal
        super().__init__(store, pool,
                         contacts_projection(self._key, seal),
                         cache_size=cache_size)


@dataclass(frozen=True)
class OwnCase:
    """One case of the employee: its id and whether it is still open."""

    case_id: str
    open: bool


@dataclass(frozen=True)
class SentLink:
    """A link made for one employee, and the case whose record names their address."""

    link_id: str
    employer_id: str
    employee_id: str
    case_id: str


async def send_links(pool: asyncpg.Pool, key: SignInLinkKey, address: str, *,
                     now: datetime, rows: RowSeal) -> list[SentLink]:
    """A link for each employee with an open case under `address` (one per employer), each
    with its notice, unless the address had `LINKS_PER_HOUR` links in the past hour. An
    address nobody has, or one asked for too often, gets nothing: the caller answers alike."""
    digest = key.address_digest(address)
    async with pool.acquire() as connection, connection.transaction():
        # One asker at a time per address, so the count below cannot be raced past.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", digest)
        recent = await connection.fetchval(
            "SELECT count(*) FROM rtw_employee_links WHERE address_digest = $1 "
            "AND created_at > $2", digest, now - timedelta(hours=1))
        if recent >= LINKS_PER_HOUR:
            return []
        people = await connection.fetch(
            "SELECT DISTINCT ON (employer_id, employee_key) employer_id, employee_key, "
            "employee_sealed, case_id::text AS case_id FROM rtw_employee_contacts "
            "WHERE address_digest = $1 AND open "
            "ORDER BY employer_id, employee_key, opened_at DESC", digest)
        opened = await asyncio.to_thread(
            rows.open_many, [(p["case_id"], p["employee_sealed"]) for p in people])
        sent: list[SentLink] = []
        for person in people:
            employee_id = _person_id(opened.get(person["case_id"]))
            if employee_id is None:
                continue  # the case's key is gone (erased): nobody to sign in
            link = SentLink(link_id=uuid.uuid4().hex, employer_id=person["employer_id"],
                            employee_id=employee_id, case_id=person["case_id"])
            await connection.execute(
                "INSERT INTO rtw_employee_links (link_id, employer_id, employee_key, case_id, "
                "employee_sealed, address_digest, created_at, expires_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                link.link_id, link.employer_id, person["employee_key"],
                uuid.UUID(link.case_id), person["employee_sealed"], digest, now,
                now + LINK_LIFETIME)
            await put_sign_in_link(connection, link_id=link.link_id, case_id=link.case_id,
                                   employer_id=link.employer_id,
                                   employee_id=link.employee_id)
            sent.append(link)
        return sent


class LinkState(StrEnum):
    """What a link can do now."""

    USABLE = "usable"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LinkOwner:
    """Whom a used link signs in, named as their latest case names them."""

    employer_id: str
    employee_id: str
    name: str | None


# A link counts only while it went to the address the employee's latest case holds now: one
# sent to an address HR has since replaced is expired. (The same subquery in both.)
_LINK_STATE = """
SELECT expires_at, used_at, address_digest = (
    SELECT c.address_digest FROM rtw_employee_contacts c
    WHERE c.employer_id = l.employer_id AND c.employee_key = l.employee_key
    ORDER BY c.open DESC, c.opened_at DESC LIMIT 1) AS address_current
FROM rtw_employee_links l WHERE link_id = $1
"""
_USE_LINK = """
UPDATE rtw_employee_links l SET used_at = $2
WHERE link_id = $1 AND used_at IS NULL AND expires_at > $2 AND address_digest = (
    SELECT c.address_digest FROM rtw_employee_contacts c
    WHERE c.employer_id = l.employer_id AND c.employee_key = l.employee_key
    ORDER BY c.open DESC, c.opened_at DESC LIMIT 1)
RETURNING employer_id, employee_id, employee_key, case_id::text AS case_id, employee_sealed
"""


async def link_state(pool: asyncpg.Pool, link_id: str, *, now: datetime) -> LinkState:
    """Whether the link would still sign someone in (reading it changes nothing)."""
    row = await pool.fetchrow(_LINK_STATE, link_id)
    if row is None:
        return LinkState.UNKNOWN
    if row["used_at"] is not None:
        return LinkState.USED
    return (LinkState.EXPIRED if row["expires_at"] <= now or not row["address_current"]
            else LinkState.USABLE)


async def use_link(pool: asyncpg.Pool, link_id: str, *, now: datetime,
                   rows: RowSeal) -> LinkOwner | None:
    """Use the link, once: whom it signs in, or None if it is used, expired or unknown."""
    row = await pool.fetchrow(_USE_LINK, link_id, now)
    if row is None:
        return None
    employee_id = row["employee_id"]  # a link made before links were sealed
    if employee_id is None:
        opened = await asyncio.to_thread(
            rows.open_many, [(row["case_id"], row["employee_sealed"])])
        employee_id = _person_id(opened.get(row["case_id"]))
        if employee_id is None:
            return None  # the case's key is gone (erased): the link signs no one in
    latest = await pool.fetchrow(
        "SELECT case_id::text AS case_id, employee_sealed FROM rtw_employee_contacts "
        "WHERE employer_id = $1 AND employee_key = $2 ORDER BY opened_at DESC LIMIT 1",
        row["employer_id"], row["employee_key"])
    name = None
    if latest is not None:
        opened = await asyncio.to_thread(
            rows.open_many, [(latest["case_id"], latest["employee_sealed"])])
        person = opened.get(latest["case_id"])
        name = person.get("name") if isinstance(person, dict) else None
    return LinkOwner(row["employer_id"], employee_id, name)


async def own_cases(pool: asyncpg.Pool, *, employer_ids: tuple[str, ...],
                    employee_id: str) -> list[OwnCase]:
    """The employee's cases at their employers, the most recently opened first."""
    # The key differs per employer: one key per employer acted for, each only with its own.
    rows = await pool.fetch(
        "SELECT case_id::text AS case_id, open FROM rtw_employee_contacts "
        "WHERE (employer_id, employee_key) IN (SELECT * FROM unnest($1::text[], $2::uuid[])) "
        "ORDER BY open DESC, opened_at DESC", list(employer_ids),
        [uuid.UUID(employee_key(e, employee_id)) for e in employer_ids])
    return [OwnCase(row["case_id"], row["open"]) for row in rows]


def _person_id(opened: object) -> str | None:
    if isinstance(opened, dict) and isinstance(opened.get("id"), str):
        return str(opened["id"])
    return None
