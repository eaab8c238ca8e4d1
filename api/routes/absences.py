"""HR systems notify absences here (their extensions, returns and leavers: `hr_facts`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import JSONResponse
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.bounds import refuse_dates_outside_window
from api.case_calls import employer_attribute, run_action, unavailable
from api.case_keys import ensure_case_key
from api.dependencies import ServicesDep, require_roles
from api.idempotency import earlier_case, remember
from api.models import (
    AbsenceNotification,
    CaseCreated,
)
from api.problems import invalid_field, problem_responses
from api.repeats import refuse_a_different_repeat
from api.services import Services
from api.tenancy import check_acts_for
from domain.absence_pattern import merge_previous
from domain.actors import Actor, Role, Source
from domain.calendar import london_date
from domain.commands import OpenCase, RecordAbsence
from domain.ids import case_id_for_absence, case_id_for_referral
from domain.journey.absence import MAX_PAST_ABSENCES, EarlierAbsence
from domain.stages import Action
from domain.values import PastAbsence
from eventstore.row_seal import RowSeal
from infra.telemetry import current_trace_id
from infra.tokens import Principal
from readside.absence_links import link_absence
from readside.employee_cases import earlier_absences
from workflows.case import CaseWorkflow
from workflows.payloads import CaseWorkflowInput

router = APIRouter(prefix="/v1/absences", tags=["hr-integration"],
                   responses=problem_responses(400, 401, 403, 422))
HrOnly = Annotated[Principal, Depends(require_roles(Role.HR))]
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Optional: the same key and body answer the same case; "
           "the same key with another body is refused."),
]


@router.post(
    "",
    status_code=201,
    response_model=CaseCreated,
    summary="Notify an absence (idempotent on employer_id + absence_id)",
    responses={
        200: {"model": CaseCreated,
              "description": "Already notified: the same case, nothing started"},
        202: {"model": CaseCreated,
              "description": "Joins a referral's case; not applied within the wait yet"},
        **problem_responses(503),
        **problem_responses(404, 409),  # with referral_id: the referral's case answers
    },
)
async def notify_absence(
    body: AbsenceNotification, response: Response, services: ServicesDep, principal: HrOnly,
    idempotency_key: IdempotencyKey = None,
) -> CaseCreated | JSONResponse:
    check_acts_for(principal, "employer_id", body.employer_id)
    earlier = await earlier_case(services, principal, idempotency_key, body)
    if earlier is not None:
        response.status_code = 200
        response.headers["Location"] = f"/v1/cases/{earlier}"
        return CaseCreated(case_id=earlier)
    if body.referral_id is not None:
        today = london_date(services.now())
        refuse_dates_outside_window(body, today=today,
                                    policy=services.policies.in_force(body.employer_id, today))
        answer = await _continue_referral(body, services, principal)
        await remember(services, principal, idempotency_key, body,
                       case_id_for_referral(body.employer_id, body.referral_id))
        return answer
    case_id = case_id_for_absence(body.employer_id, body.absence_id)
    today = london_date(services.now())
    command = OpenCase(
        employer_id=body.employer_id, absence_id=body.absence_id, employee=body.employee,
        manager=body.manager, first_day=body.first_day, reason_category=body.reason_category,
        sick_pay=body.sick_pay, reported_on=body.reported_on,
        employment=body.employment,
        previous_absences=tuple(EarlierAbsence.model_validate(reported.model_dump())
                                for reported in body.previous_absences),
        policy=services.policies.in_force(body.employer_id, today),
    )
    if body.reported_on is not None and body.reported_on > today:
        raise invalid_field("reported_on", f"must not be after today ({today.isoformat()})")
    refuse_dates_outside_window(command, today=today, policy=command.policy)
    # rtw's own record joins after the check: its cases were checked when they were notified.
    command = command.model_copy(
        update={"previous_absences": await _previous_absences(services, body, case_id)})
    opened_by = Actor(id=principal.subject, role=principal.role, source=Source.HR_INTEGRATION)
    response.headers["Location"] = f"/v1/cases/{case_id}"
    await ensure_case_key(services, case_id, employer_id=body.employer_id,
                          employee_id=body.employee.id)
    try:
        await services.temporal.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(case_id=case_id, open=command, opened_by=opened_by,
                              trace_id=current_trace_id()),
            id=case_id,
            search_attributes=employer_attribute(body.employer_id),
            task_queue=services.task_queue,
            # A closed case is never reopened by a late duplicate of its notification; a run that
            # failed at once (a foreign start whose sealed input did not open) does not hold the id.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        await refuse_a_different_repeat(services, case_id, "absence", lambda state: (
            ("employee", command.employee.id, state.employee.id),
            ("first_day", command.first_day, state.first_day),
            # HR may since have changed the manager or the reason: the original notification
            # sent again is still a repeat, so those compare only while HR has changed neither.
            *((("manager", command.manager.id, state.manager.id if state.manager else None),)
              if state.hr_facts_applied.manager_sent_at is None else ()),
            *((("reason_category", command.reason_category, state.reason_category),)
              if state.hr_facts_applied.reason_sent_at is None else ()),
        ))
        response.status_code = 200
    except RPCError as error:
        raise unavailable(error) from None
    await remember(services, principal, idempotency_key, body, case_id)
    return CaseCreated(case_id=case_id)


async def _continue_referral(body: AbsenceNotification, services: Services,
                             principal: Principal) -> JSONResponse:
    """The absence joins the stay-at-work case it follows; a repeat changes nothing."""
    assert body.referral_id is not None  # noqa: S101 - checked by the caller
    case_id = case_id_for_referral(body.employer_id, body.referral_id)
    command = RecordAbsence(absence_id=body.absence_id, first_day=body.first_day,
                            sick_pay=body.sick_pay, employment=body.employment,
                            previous_absences=await _previous_absences(services, body, case_id))
    # An unknown referral answers 404 here, before any link could route later facts astray.
    result = await run_action(services, case_id, Action.RECORD_ABSENCE, command, principal,
                              source=Source.HR_INTEGRATION,
                              idempotency_key=f"absence:{body.absence_id}")
    await link_absence(services.pool, body.employer_id, body.absence_id, case_id)
    status = result.status_code if isinstance(result, JSONResponse) else 200
    return JSONResponse(CaseCreated(case_id=case_id).model_dump(), status_code=status,
                        headers={"Location": f"/v1/cases/{case_id}"})



async def _previous_absences(services: Services, body: AbsenceNotification,
                             case_id: str) -> tuple[EarlierAbsence, ...]:
    """The employee's record as the case opens: rtw's own earlier absences at the employer
    (from `readside.employee_cases`) merged with those HR reported, rtw's own kept where both
    name an absence beginning the same day, newest first. The projection trails the cases by
    a moment: an absence HR notified an instant before this one may be missing from it (HR
    may list it in `previous_absences` to be sure). A repeat of the notification opens
    nothing, so what it gathers is never compared."""
    own = await earlier_absences(services.pool, body.employer_id, body.employee.id,
                                 before=body.first_day, excluding=case_id,
                                 rows=RowSeal(services.store.subject_keys))
    reported = [PastAbsence(first_day=a.first_day, last_day=a.last_day,
                            reason_category=a.reason_category) for a in body.previous_absences]
    merged = merge_previous(own, reported, limit=MAX_PAST_ABSENCES)
    return tuple(EarlierAbsence.model_validate(absence.model_dump()) for absence in merged)
