"""The worklist: cases sorted by their next deadline, from the read model, through asyncpg."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.dependencies import ServicesDep, require_roles
from api.problems import Problem, problem_responses
from domain.actors import PRINTABLE, Role
from domain.stages import Stage
from infra.tokens import Principal

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=problem_responses(401, 422))


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
    employee: WorklistPerson
    manager_id: str
    assigned_to: str | None
    opened_at: datetime
    next_deadline: WorklistDeadline | None
    overdue: bool


class Worklist(BaseModel):
    items: list[WorklistItem]
    next_cursor: str | None


def _encode_cursor(due_at: datetime | None, case_id: uuid.UUID) -> str:
    raw = json.dumps([due_at.isoformat() if due_at else None, str(case_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> tuple[datetime | None, uuid.UUID]:
    try:
        due, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return (datetime.fromisoformat(due) if due else None), uuid.UUID(case_id)
    except (ValueError, TypeError, binascii.Error):
        raise Problem(
            422, "Invalid request", "cursor: not a cursor this API returned",
            errors=[{"field": "cursor", "message": "use next_cursor as returned"}],
        ) from None


@router.get("", response_model=Worklist,
            summary="Cases by next deadline (managers: their own team only)")
async def worklist(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(
        Role.OH, Role.MANAGER, Role.HR, Role.AUDITOR, Role.ADMIN))],
    stage: Stage | None = None,
    overdue: bool | None = None,
    assigned_to: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)] = None,
    employer: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Worklist:
    # OH plans by every deadline; other roles by the deadlines that reveal nothing clinical.
    prefix = "next_deadline" if principal.role is Role.OH else "next_shared_deadline"
    due, name = f"{prefix}_at", f"{prefix}_name"
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if principal.role is Role.MANAGER:
        where.append(f"manager_id = {arg(principal.subject)}")
    if stage is not None:
        where.append(f"stage = {arg(stage.value)}")
    if assigned_to is not None:
        where.append(f"assigned_to = {arg(assigned_to)}")
    if employer is not None:
        where.append(f"employer_id = {arg(employer)}")
    now = datetime.now(UTC)
    if overdue is True:
        where.append(f"{due} < {arg(now)}")
    elif overdue is False:
        where.append(f"({due} IS NULL OR {due} >= {arg(now)})")
    if cursor is not None:
        after_due, after_case = _decode_cursor(cursor)
        if after_due is None:
            where.append(f"({due} IS NULL AND case_id > {arg(after_case)})")
        else:
            d, c = arg(after_due), arg(after_case)
            where.append(f"({due} > {d} OR ({due} = {d} AND case_id > {c}) OR {due} IS NULL)")
    sql = (
        f"SELECT case_id, employer_id, route, stage, employee_id, employee_name, manager_id, "  # noqa: S608 - only column names are interpolated
        f"assigned_to, opened_at, {due} AS due_at, {name} AS due_name FROM rtw_worklist"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {due} ASC NULLS LAST, case_id ASC LIMIT {arg(limit + 1)}"
    )
    rows = await services.pool.fetch(sql, *args)
    page = rows[:limit]
    items = [
        WorklistItem(
            case_id=str(row["case_id"]), employer_id=row["employer_id"], route=row["route"],
            stage=Stage(row["stage"]),
            employee=WorklistPerson(id=row["employee_id"], name=row["employee_name"]),
            manager_id=row["manager_id"], assigned_to=row["assigned_to"],
            opened_at=row["opened_at"],
            next_deadline=WorklistDeadline(name=row["due_name"], due_at=row["due_at"])
            if row["due_at"] else None,
            overdue=bool(row["due_at"] and row["due_at"] < now),
        )
        for row in page
    ]
    next_cursor = (
        _encode_cursor(page[-1]["due_at"], page[-1]["case_id"]) if len(rows) > limit else None
    )
    return Worklist(items=items, next_cursor=next_cursor)
