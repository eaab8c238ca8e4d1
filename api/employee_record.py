"""The employee's record across cases as each role may see it (`domain.disclosure`): on the case
view (`CaseOut.absence_record`) and at `GET /v1/employees/{employer}/{employee}/cases`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, Field

from domain.absence_pattern import SUGGESTION_DEADLINES, absence_pattern
from domain.actors import Role
from domain.disclosure import RecordDetail, may_see_suggestion, record_detail
from domain.sick_pay.linking import days_of, linked_periods
from domain.state import CaseState
from domain.values import PastAbsence


class PastAbsenceOut(BaseModel):
    """An earlier absence: its dates always; the rest as the role may see it."""

    first_day: date
    last_day: date | None = Field(description="None: still going on (or not yet known).")
    days: int | None = Field(default=None, description="Calendar days, both ends counted.")
    case_id: str | None = Field(default=None, description="The rtw case; None: reported by "
                                "HR from before rtw (or a role that sees dates only).")
    reason_category: str | None = Field(default=None, description="OH only.")


class TriggerOut(BaseModel):
    """A short-term absence trigger met, and the rule that produced it: a suggestion only."""

    rule: str = Field(description="episodes or bradford")
    value: int
    threshold: int
    suggests: str = Field(description="attendance_review or oh_referral")
    why: str


class AbsenceRecordOut(BaseModel):
    """The employee's earlier absences as the case opened, and what they make of this one."""

    previous_absences: list[PastAbsenceOut]
    linked_to: PastAbsenceOut | None = Field(
        default=None, description="The absence this one links to by Statutory Sick Pay's "
        "linking rule (periods of incapacity for work not more than 8 weeks apart).")
    recurrence: bool | None = Field(
        default=None, description="OH only: an earlier absence for the same reason category "
        "within the policy's interval.")
    triggers: list[TriggerOut] = Field(
        default_factory=list, description="Short-term absence triggers met: suggestions "
        "for those they are sent to, never decisions.")


class EmployeeCaseOut(BaseModel):
    """One of the employee's cases, as the role may see it."""

    case_id: str | None = None
    first_day: date | None
    last_day: date | None
    days: int | None = None
    linked: bool | None = Field(default=None, description="Linked to an earlier absence.")
    stage: str | None = None
    outcome: str | None = None
    opened_at: datetime | None = None
    closed_on: date | None = None
    reason_category: str | None = Field(default=None, description="OH only.")


class EmployeeRecordOut(BaseModel):
    """The employee's cases at the employer, newest first, as the role may see them."""

    employer_id: str
    employee_key: str = Field(description="The pseudonymous key rtw files the record under.")
    cases: list[EmployeeCaseOut]


def _absence_out(absence: PastAbsence, detail: RecordDetail) -> PastAbsenceOut:
    if detail is RecordDetail.DATES:
        return PastAbsenceOut(first_day=absence.first_day, last_day=absence.last_day)
    return PastAbsenceOut(
        first_day=absence.first_day, last_day=absence.last_day,
        days=days_of(absence.first_day, absence.last_day) if absence.last_day else None,
        case_id=absence.case_id,
        reason_category=absence.reason_category if detail is RecordDetail.FULL else None)


def absence_record_for(state: CaseState, role: Role) -> AbsenceRecordOut | None:
    """The case's record for `role`; None for a role that reads none of it, or a case that
    opened under older practice (it carries no record)."""
    detail = record_detail(role)
    pattern = absence_pattern(state)
    if detail is None or pattern is None or state.absence is None:
        return None
    triggers = [TriggerOut(rule=t.rule.value, value=t.value, threshold=t.threshold,
                           suggests=t.suggests.value, why=t.why)
                for t in pattern.triggers
                if may_see_suggestion(role, SUGGESTION_DEADLINES[t.suggests][1])]
    return AbsenceRecordOut(
        previous_absences=[_absence_out(a, detail) for a in state.absence.previous_absences],
        linked_to=_absence_out(pattern.linked_to, detail) if pattern.linked_to else None,
        recurrence=pattern.recurrence is not None if detail is RecordDetail.FULL else None,
        triggers=triggers)


def employee_case_out(absence: PastAbsence | None, *, case_id: str, stage: str,
                      outcome: str | None, opened_at: datetime, closed_on: date | None,
                      reason_category: str | None, others: Sequence[PastAbsence],
                      detail: RecordDetail) -> EmployeeCaseOut:
    """One case of the record for a role reading `detail`; `others`: the employee's other
    absences, for whether this one links to an earlier one."""
    first, last = (absence.first_day, absence.last_day) if absence else (None, None)
    if detail is RecordDetail.DATES:
        return EmployeeCaseOut(first_day=first, last_day=last)
    return EmployeeCaseOut(
        case_id=case_id, first_day=first, last_day=last,
        days=days_of(first, last) if first and last else None,
        linked=bool(linked_periods(first, others)) if first else None,
        stage=stage, outcome=outcome, opened_at=opened_at, closed_on=closed_on,
        reason_category=reason_category if detail is RecordDetail.FULL else None)
