"""What HR systems report about a notified absence: an extension, a return, a leaver; and what
changes over the case's life: the line manager, the employee's details, the absence's reason.

One endpoint per fact, generated from one table. Deliberately without
`from __future__ import annotations`: FastAPI reads each endpoint's body type from the closure.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from api.bounds import refuse_dates_outside_window
from api.case_calls import send_hr_fact
from api.dependencies import ServicesDep, require_roles
from api.models import ID_PATTERN, FactAccepted
from api.problems import problem_responses
from api.services import Services
from api.tenancy import no_such_case
from domain.actors import Role
from domain.calendar import london_date
from domain.commands import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.ids import case_id_for_absence
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from infra.tokens import Principal
from readside.absence_links import linked_case

router = APIRouter(prefix="/v1/absences", tags=["hr-integration"],
                   responses=problem_responses(400, 401, 403, 422))
HrOnly = Annotated[Principal, Depends(require_roles(Role.HR))]
EmployerId = Annotated[str, Path(pattern=ID_PATTERN)]
AbsenceId = Annotated[str, Path(pattern=ID_PATTERN)]
# An HR fact names a case that may be unknown, closed, or on a Temporal that cannot answer.
FACT_RESPONSES = problem_responses(404, 409, 503)

# (path under the absence, body, operation name, summary)
HR_FACTS: tuple[tuple[str, type[BaseModel], str, str], ...] = (
    ("extension", ExtendAbsence, "absence_extended", "The absence is extended"),
    ("return", EmployeeReturned, "employee_returned", "The employee returned to work"),
    ("leaver", EmployeeLeft, "employee_left", "The employee left employment"),
    ("manager", ChangeLineManager, "line_manager_changed",
     "The employee has a new line manager, who takes the case over"),
    ("employee-details", ChangeEmployeeDetails, "employee_details_changed",
     "The employee's name, email, hours or role changed"),
    ("reason", ChangeAbsenceReason, "absence_reason_changed",
     "The absence's sickness reason (ESR code) changed"),
)


async def _case_of(services: Services, employer_id: str, absence_id: str) -> str:
    """The case the absence belongs to: the one it joined, or the one it opened."""
    linked = await linked_case(services.pool, employer_id, absence_id)
    return linked or case_id_for_absence(employer_id, absence_id)


def _endpoint(fact: type[BaseModel], name: str) -> Callable[..., Awaitable[FactAccepted]]:
    async def endpoint(employer_id: EmployerId, absence_id: AbsenceId,
                       body: fact,  # type: ignore[valid-type]
                       services: ServicesDep, principal: HrOnly) -> FactAccepted:
        if not principal.acts_for(employer_id):
            # Another employer's absence: answered as one no case was opened for.
            raise no_such_case(case_id_for_absence(employer_id, absence_id))
        today = london_date(services.now())
        refuse_dates_outside_window(body, today=today,
                                    policy=services.policies.in_force(employer_id, today))
        case_id = await _case_of(services, employer_id, absence_id)
        await send_hr_fact(services, case_id, body, principal)
        return FactAccepted(case_id=case_id)

    endpoint.__name__ = name
    return endpoint


for _path, _fact, _name, _summary in HR_FACTS:
    router.add_api_route(
        f"/{{employer_id}}/{{absence_id}}/{_path}", _endpoint(_fact, _name), methods=["POST"],
        status_code=202, response_model=FactAccepted, responses=FACT_RESPONSES,
        summary=_summary, name=_name,
    )
