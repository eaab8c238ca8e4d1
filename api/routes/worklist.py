"""The worklist: cases sorted by their next deadline, from the read model, through asyncpg."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.dependencies import ServicesDep, require_roles
from api.problems import invalid_field, problem_responses
from api.services import Services
from api.tenancy import check_acts_for
from domain.actors import PRINTABLE, Role
from domain.bounds import EARLIEST, LATEST
from domain.stages import Stage
from eventstore.row_seal import RowSeal
from infra.tokens import Principal
from readside.worklist_query import WorklistCursor, WorklistQuery, worklist_page

MINE = "mine"
"""`assignee=mine`: the caller's own cases."""
# Not `admin`: the operator role sees no case.
WORKLIST_ROLES = (Role.OH, Role.MANAGER, Role.HR, Role.AUDITOR)

router = APIRouter(prefix="/v1/cases", tags=["cases"],
                   responses=problem_responses(401, 403, 422))


class WorklistDeadline(BaseModel):
    name: str
    due_at: datetime


class WorklistPerson(BaseModel):
    id: str
    name: str


class WorklistItem(BaseModel):
    """One case on the worklist; no clinical field."""

    case_id: str
    employer_id: str
    route: str
    stage: Stage
    employee: WorklistPerson | None = Field(
        description="None when the case's data key was destroyed (erased) or it has none: the "
        "read table keeps the employee only sealed under that key.")
    manager_id: str | None = Field(description="None on a community case (no line manager).")
    assigned_to: str | None
    case_manager: WorklistPerson | None = Field(
        default=None, description="The OH case manager who owns the case today: the colleague "
        "covering while a cover runs, else the assigned case manager.")
    unassigned: bool | None = Field(
        default=None, description="OH only: a tier-2 or tier-3 case that has no case manager "
        "yet (assign one with assign_case_manager).")
    opened_at: datetime
    next_deadline: WorklistDeadline | None
    overdue: bool
    undelivered_notices: int | None = Field(
        default=None,
        description="Notices of this case that could not be delivered after every attempt "
        "(OH and HR only): someone was not told, and must be told another way.")


class Worklist(BaseModel):
    items: list[WorklistItem]
    next_cursor: str | None


def _encode_cursor(due_at: datetime | None, case_id: uuid.UUID) -> str:
    raw = json.dumps([due_at.isoformat() if due_at else None, str(case_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> WorklistCursor:
    try:
        due, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        due_at = datetime.fromisoformat(due) if due else None
        if due_at is not None and (due_at.tzinfo is None or
                                   not EARLIEST <= due_at.date() <= LATEST):
            raise ValueError("not a deadline this API wrote")
        return WorklistCursor(due_at, uuid.UUID(case_id))
    except (ValueError, TypeError, binascii.Error):
        raise invalid_field("cursor", "use next_cursor as returned",
                            detail="cursor: not a cursor this API returned") from None


@router.get("", response_model=Worklist,
            summary="Cases by next deadline (managers: their own team only)")
async def worklist(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*WORKLIST_ROLES))],
    stage: Stage | None = None,
    overdue: bool | None = None,
    assigned_to: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)] = None,
    employer: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)] = None,
    assignee: Annotated[str | None, Query(
        max_length=100, pattern=PRINTABLE,
        description="The cases a case manager owns today (a cover while it runs); `mine`: the "
        "caller's own.")] = None,
    unassigned: Annotated[bool | None, Query(
        description="OH only. true: the tier-2/3 cases without a case manager.")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Worklist:
    return await worklist_for(
        services, principal, WorklistFilters(
            stage=stage, overdue=overdue, assigned_to=assigned_to, employer=employer,
            assignee=assignee, unassigned=unassigned),
        cursor=cursor, limit=limit)


@dataclass(frozen=True)
class WorklistFilters:
    """The filters of one worklist request, as the caller gave them."""

    stage: Stage | None = None
    overdue: bool | None = None
    assigned_to: str | None = None
    employer: str | None = None
    assignee: str | None = None
    """A case manager's id, or `mine` for the caller's own cases."""
    unassigned: bool | None = None


async def worklist_for(services: Services, principal: Principal, filters: WorklistFilters, *,
                       cursor: str | None, limit: int) -> Worklist:
    """One page of the worklist as `principal` may see it: a manager their own team only, the
    deadlines of OH's view for OH only. The JSON route and the worklist page both answer this."""
    if filters.employer is not None:
        check_acts_for(principal, "employer", filters.employer)
    if filters.unassigned is not None and principal.role is not Role.OH:
        raise invalid_field("unassigned", "only OH filters by it (a case's tier is OH's)")
    # A manager's team is their own at the employers they act for: managers are identified
    # per employer, and two employers may each have a manager of the same id.
    query = WorklistQuery(
        clinical_deadlines=principal.role is Role.OH,
        manager_id=principal.subject if principal.role is Role.MANAGER else None,
        employers=principal.case_employers,
        stage=filters.stage.value if filters.stage is not None else None,
        assigned_to=filters.assigned_to,
        employer_id=filters.employer,
        overdue=filters.overdue,
        assignee=principal.subject if filters.assignee == MINE else filters.assignee,
        unassigned=filters.unassigned,
    )
    now = services.now()
    after = _decode_cursor(cursor) if cursor is not None else None
    rows = await worklist_page(services.pool, query, now=now, after=after, limit=limit)
    page = rows[:limit]
    # The employees of the page, opened with their cases' data keys read in one query.
    people = await services.read_store(RowSeal(services.store.subject_keys).open_many,
                                       [(str(row["case_id"]), row["employee_sealed"])
                                        for row in page])
    items = [
        WorklistItem(
            case_id=str(row["case_id"]), employer_id=row["employer_id"], route=row["route"],
            stage=Stage(row["stage"]),
            employee=_person(people.get(str(row["case_id"]))),
            manager_id=row["manager_id"], assigned_to=row["assigned_to"],
            case_manager=WorklistPerson(id=row["case_manager_id"],
                                        name=row["case_manager_name"])
            if row["case_manager_id"] else None,
            unassigned=row["unassigned"] if principal.role is Role.OH else None,
            opened_at=row["opened_at"],
            next_deadline=WorklistDeadline(name=row["due_name"], due_at=row["due_at"])
            if row["due_at"] else None,
            overdue=bool(row["due_at"] and row["due_at"] < now),
            undelivered_notices=row["undelivered_notices"]
            if principal.role in (Role.OH, Role.HR) else None,
        )
        for row in page
    ]
    next_cursor = (
        _encode_cursor(page[-1]["due_at"], page[-1]["case_id"]) if len(rows) > limit else None
    )
    return Worklist(items=items, next_cursor=next_cursor)


def _person(opened: object) -> WorklistPerson | None:
    if isinstance(opened, dict) and isinstance(opened.get("id"), str) and isinstance(
            opened.get("name"), str):
        return WorklistPerson(id=opened["id"], name=opened["name"])
    return None
