"""The service's figures over HTTP: the same evaluation `rtw report` writes, as JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.dependencies import ServicesDep, require_roles
from api.problems import invalid_field, problem_responses
from api.tenancy import check_acts_for
from domain.actors import PRINTABLE, Role
from domain.calendar import london_date
from eventstore.moments import parse_date
from infra.tokens import Principal
from reports.evaluation import kpi_report
from reports.tables import intervention_rows, measure_rows, outcome_rows, referral_rows

router = APIRouter(prefix="/v1/reports", tags=["reports"],
                   responses=problem_responses(401, 403, 422))
# Not `admin`: the operator role sees no case, not even as figures.
Evaluator = Annotated[Principal, Depends(require_roles(Role.OH, Role.AUDITOR))]


class ReportPeriod(BaseModel):
    """London dates, both included."""

    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")


class MeasureFigure(BaseModel):
    name: str
    definition: str = Field(description="Exactly what is counted, and from what.")
    value: int | float | None = Field(description="Null when there is nothing to measure "
                                      "(a median of no cases, a rate of none). Rates are "
                                      "decimals (0.75).")


class OutcomeCount(BaseModel):
    outcome: str
    cases: int


class ReferralCount(BaseModel):
    route: str
    source: str
    reason_category: str
    cases: int


class InterventionCount(BaseModel):
    intervention: str
    by_employee: int
    by_case_manager: int


class ProjectedTo(BaseModel):
    """How far the KPI facts had got when they were read: events after `position` are not
    in the figures yet (the worker projects them within seconds)."""

    position: int = Field(description="The last event notification projected.")
    recorded: int = Field(description="The last event notification the store holds.")
    behind: int


class KpiReport(BaseModel):
    """Every figure of the period, each measure with its definition."""

    period: ReportPeriod
    employer_id: str | None = Field(
        description="Null: every employer the caller acts for.")
    cases: int = Field(description="Cases with a milestone in the period (opened, closed, "
                       "followed up or escalated).")
    measures: list[MeasureFigure]
    outcomes: list[OutcomeCount] = Field(description="Cases closed in the period, by outcome.")
    referrals: list[ReferralCount] = Field(
        description="Cases opened in the period, by route, source and reason category.")
    interventions: list[InterventionCount] = Field(
        description="The most important intervention for the return, as recorded at closure "
        "by the employee and by the case manager.")
    policy_versions: list[str] = Field(
        description="The policy versions of the cases opened or closed in the period.")
    projected_to: ProjectedTo
    quarantined_cases: int = Field(
        description="Cases the projection could not apply: missing from these figures.")


def _day(field: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        raise invalid_field(field, str(error)) from None


@router.get("/kpis", response_model=KpiReport, summary="The service's figures for a period")
async def kpis(
    services: ServicesDep,
    principal: Evaluator,
    date_from: Annotated[str | None, Query(
        alias="from", max_length=10, description="First London date, YYYY-MM-DD, included "
        "(default: the first day a case opened).")] = None,
    date_to: Annotated[str | None, Query(
        alias="to", max_length=10, description="Last London date, YYYY-MM-DD, included "
        "(default: the last day anything was recorded).")] = None,
    employer: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE,
                                          description="One employer's cases.")] = None,
) -> KpiReport:
    first, last = _day("from", date_from), _day("to", date_to)
    if first is not None and last is not None and first > last:
        raise invalid_field("from", f"must be on or before 'to' ({last.isoformat()})")
    if employer is not None:
        check_acts_for(principal, "employer", employer)
    report = await kpi_report(services.pool, first=first, last=last, employer_id=employer,
                              today=london_date(services.now()),
                              employers=principal.case_employers)
    evaluation = report.evaluation
    return KpiReport(
        period=ReportPeriod(first=evaluation.period.start, last=evaluation.period.end),
        employer_id=evaluation.employer_id, cases=evaluation.cases,
        measures=[MeasureFigure(name=name, definition=definition, value=value)
                  for name, value, definition in measure_rows(evaluation)],
        outcomes=[OutcomeCount(outcome=o, cases=n) for o, n in outcome_rows(evaluation)],
        referrals=[ReferralCount(route=r, source=s, reason_category=c, cases=n)
                   for r, s, c, n in referral_rows(evaluation)],
        interventions=[InterventionCount(intervention=i, by_employee=e, by_case_manager=m)
                       for i, e, m in intervention_rows(evaluation)],
        policy_versions=list(evaluation.policy_versions),
        projected_to=ProjectedTo(position=report.projected.position,
                                 recorded=report.projected.recorded,
                                 behind=report.projected.behind),
        quarantined_cases=report.quarantined,
    )
