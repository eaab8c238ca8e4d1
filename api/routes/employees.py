"""An employee's record across cases: their cases at an employer, as the caller's role may see
them (`domain.disclosure.record_detail` and `may_read_employee_record`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from api.access_log import log_read
from api.dependencies import ServicesDep, require_roles
from api.employee_record import EmployeeRecordOut, employee_case_out
from api.models import ID_PATTERN
from api.problems import Problem, problem_responses
from domain.disclosure import EMPLOYEE_RECORD_ROLES, may_read_employee_record, record_detail
from domain.ids import employee_key
from domain.stages import Stage
from eventstore.row_seal import RowSeal
from infra.tokens import Principal
from readside.employee_cases import cases_of

router = APIRouter(prefix="/v1/employees", tags=["employees"],
                   responses=problem_responses(401, 403, 404, 422))

EmployerId = Annotated[str, Path(pattern=ID_PATTERN, description="The employer's id in rtw.")]
EmployeeId = Annotated[str, Path(pattern=ID_PATTERN, description="HR's id of the employee.")]
RecordReader = Annotated[Principal, Depends(require_roles(*sorted(EMPLOYEE_RECORD_ROLES)))]


@router.get("/{employer_id}/{employee_id}/cases", response_model=EmployeeRecordOut,
            summary="An employee's cases at an employer, as your role may see them")
async def employee_cases(employer_id: EmployerId, employee_id: EmployeeId, request: Request,
                         services: ServicesDep, principal: RecordReader) -> EmployeeRecordOut:
    """OH reads every case with its reason category; HR the dates, durations, linking, stage
    and outcome; a line manager (while they manage one of the employee's open cases) and an
    auditor the dates only. The record is projected from the cases, a moment behind them."""
    nowhere = Problem(404, "Not Found", "no record of this employee that you may read")
    if not principal.acts_for(employer_id):
        raise nowhere  # another employer's employee: as one who does not exist
    cases = await cases_of(services.pool, employer_id, employee_id,
                           rows=RowSeal(services.store.subject_keys))
    managers = [c.manager_id for c in cases
                if c.manager_id is not None and c.stage != Stage.CLOSED.value]
    detail = record_detail(principal.role)
    if (not cases or detail is None
            or not may_read_employee_record(principal.role, principal.subject, employee_id,
                                            managers)):
        # Whether the employee exists is itself not for those who may not read the record.
        raise nowhere
    await log_read(request, services, principal, "employee.cases")
    absences = [c.absence for c in cases]
    earlier = [a for a in absences if a is not None]
    return EmployeeRecordOut(
        employer_id=employer_id, employee_key=employee_key(employer_id, employee_id),
        cases=[employee_case_out(c.absence, case_id=c.case_id, stage=c.stage,
                                 outcome=c.outcome, opened_at=c.opened_at,
                                 closed_on=c.closed_on, reason_category=c.reason_category,
                                 others=earlier, detail=detail) for c in cases])
