"""What HR systems hear about a case: stage changes, consented advice, return dates, closure.

Never diagnosis, condition, clinical notes, therapy or the reason for the absence: each model
below names every field HR receives, and forbids any other. OH's advice goes only as far as the
consent ledger releases it to HR (`domain.disclosure.effective_consent`, the rule the API and
the pages read too): on cases reporting first to the employee, when the employee's consent (and,
from practice version 4, the end of the comment window or their agreement) releases it, and
`advice_withdrawn` when a withdrawal hides it again. Notices about a GP or specialist report or
a clinical route (self-help) are OH's and the employee's only: HR does not hear of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer

from domain.actors import Role
from domain.disclosure import effective_consent, may_see_adjustments, may_see_fitness
from domain.events import (
    AssessmentRecorded,
    CaseClosed,
    CaseEvent,
    PhasedReturnStarted,
    RedeploymentTrialStarted,
)
from domain.notices import Notice, NoticeKind
from domain.practice import has_comment_window, reports_first_to_employee
from domain.stages import Stage
from domain.state import Assessment, CaseState
from domain.values import Adjustment, ConsentScope
from domain.vocabulary import AdjustmentKind, Fitness, Outcome


class _HrModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageChange(_HrModel):
    """The case moved to another stage (or began: no previous stage)."""

    kind: Literal["stage_changed"] = "stage_changed"
    stage: Stage
    previous_stage: Stage | None


class AdviceAdjustment(_HrModel):
    """An adjustment OH recommends, shared with HR because the employee consented."""

    kind: AdjustmentKind
    detail: str


class FitnessAdvice(_HrModel):
    """OH's fitness-for-work opinion, sent only when the employee consented to share it."""

    kind: Literal["fitness_advice"] = "fitness_advice"
    fitness: Fitness
    recommended_adjustments: tuple[AdviceAdjustment, ...]


class AdviceWithdrawn(_HrModel):
    """The employee withdrew their consent to HR holding OH's advice on this report: stop
    using it and delete the copy sent (cases following report first to the employee)."""

    kind: Literal["advice_withdrawn"] = "advice_withdrawn"
    assessment_number: int


class PhasedReturnPlanned(_HrModel):
    """A phased return starts on a day, with the hours of each week."""

    kind: Literal["return_planned"] = "return_planned"
    phased: Literal[True] = True
    starts_on: date
    hours_by_week: tuple[float, ...]


class RedeploymentPlanned(_HrModel):
    """A redeployment trial in another role starts on a day, for some weeks."""

    kind: Literal["return_planned"] = "return_planned"
    phased: Literal[False] = False
    starts_on: date
    role_title: str
    trial_weeks: int


class CaseClosure(_HrModel):
    """The case closed with an outcome, and the day of the return if there was one."""

    kind: Literal["case_closed"] = "case_closed"
    outcome: Outcome
    returned_on: date | None


class NoticeSent(_HrModel):
    """A reminder, warning or escalation went to someone HR works with (never one for OH
    alone): its kind, to whom, and the deadline it was about."""

    kind: Literal["notice_sent"] = "notice_sent"
    notice: NoticeKind
    recipient_role: Role
    due_at: AwareDatetime | None
    effective_on: date | None

    @field_serializer("due_at", when_used="json")
    def _iso_8601_with_offset(self, due_at: datetime | None) -> str | None:
        return due_at.isoformat() if due_at else None


# Who HR hears about when they are reminded or warned: OH's own alerts stay with OH.
_SHARED_WITH_HR = frozenset({Role.HR, Role.MANAGER, Role.EMPLOYEE})

# Notices to the employee whose very kind is clinical (a GP or specialist report asked for, the
# self-help route a tier-1 assessment set) or theirs alone (their report offered to them to read
# first: HR hears of the advice when the ledger releases it). HR hears of none of them.
# The self-help notice only from practice version 4: on earlier cases a webhook that carried
# nothing else would no longer be sent, and their workflows would not replay.
_NOT_FOR_HR = frozenset({NoticeKind.MEDICAL_REPORT_REQUESTED,
                         NoticeKind.MEDICAL_REPORT_ACCESS_PERIOD_ENDED, NoticeKind.REPORT_OFFERED})
_NOT_FOR_HR_FROM_V4 = _NOT_FOR_HR | {NoticeKind.SELF_HELP_GUIDANCE}


ReturnPlanned = Annotated[PhasedReturnPlanned | RedeploymentPlanned,
                          Field(discriminator="phased")]
HrChange = Annotated[StageChange | FitnessAdvice | ReturnPlanned | CaseClosure | NoticeSent
                     | AdviceWithdrawn, Field(discriminator="kind")]
"""One change HR hears of, tagged by `kind` (a planned return also by `phased`)."""


class HrUpdate(_HrModel):
    """The body of one webhook: the case as HR knows it, and what changed with one event."""

    case_id: str
    employer_id: str
    occurred_at: AwareDatetime
    stage: Stage
    changes: tuple[HrChange, ...] = Field(min_length=1)

    @field_serializer("occurred_at", when_used="json")
    def _iso_8601_with_offset(self, occurred_at: datetime) -> str:
        # Receivers have always been sent "+00:00", never the "Z" pydantic writes by default.
        return occurred_at.isoformat()


def _changes(before: CaseState | None, after: CaseState, event: CaseEvent,
             notices: Sequence[Notice]) -> list[HrChange]:
    changes: list[HrChange] = []
    if before is None or before.stage is not after.stage:
        changes.append(StageChange(stage=after.stage,
                                   previous_stage=before.stage if before else None))
    if before is not None and reports_first_to_employee(after):
        changes.extend(_released_or_withdrawn(before, after, event))
    elif isinstance(event, AssessmentRecorded) and after.latest_assessment is not None:
        # Before report-first: the consent OH recorded with the assessment, read by the one
        # rule (`effective_consent`) the API and the pages read.
        assessment = after.latest_assessment
        consent = effective_consent(after, assessment)
        if may_see_fitness(Role.HR, consent):
            consented = may_see_adjustments(Role.HR, consent)
            changes.append(_advice(assessment.fitness,
                                   assessment.recommended_adjustments if consented else ()))
    if isinstance(event, PhasedReturnStarted):
        changes.append(PhasedReturnPlanned(
            starts_on=event.starts_on, hours_by_week=tuple(week.hours for week in event.weeks)))
    if isinstance(event, RedeploymentTrialStarted):
        changes.append(RedeploymentPlanned(starts_on=event.starts_on,
                                           role_title=event.role_title,
                                           trial_weeks=event.trial_weeks))
    if isinstance(event, CaseClosed):
        changes.append(CaseClosure(outcome=event.outcome, returned_on=event.returned_on))
    withheld = _NOT_FOR_HR_FROM_V4 if has_comment_window(after) else _NOT_FOR_HR
    changes.extend(NoticeSent(notice=notice.kind, recipient_role=notice.recipient_role,
                              due_at=notice.due_at, effective_on=notice.effective_on)
                   for notice in notices
                   if notice.recipient_role in _SHARED_WITH_HR and notice.kind not in withheld)
    return changes


def _advice(fitness: Fitness, shared: Sequence[Adjustment]) -> FitnessAdvice:
    return FitnessAdvice(fitness=fitness, recommended_adjustments=tuple(
        AdviceAdjustment(kind=adjustment.kind, detail=adjustment.detail)
        for adjustment in shared))


def _released_or_withdrawn(before: CaseState, after: CaseState, event: CaseEvent
                           ) -> list[HrChange]:
    """Report first to the employee: HR hears the advice when the ledger releases it to them
    (the employee's consent; from practice version 4 also the end of the comment window or
    their agreement, whichever comes last), and that it is withdrawn when they withdraw it;
    nothing at the assessment. Read as recorded (no clock): the window's end is an event."""
    assessment = after.latest_assessment
    if assessment is None:
        return []
    was = may_see_fitness(Role.HR, _recorded(before, assessment))
    now = _recorded(after, assessment)
    if may_see_fitness(Role.HR, now) and not was:
        shared = assessment.recommended_adjustments if may_see_adjustments(Role.HR, now) else ()
        return [_advice(assessment.fitness, shared)]
    if was and not may_see_fitness(Role.HR, now):
        return [AdviceWithdrawn(assessment_number=assessment.number)]
    return []


def _recorded(state: CaseState, assessment: Assessment) -> ConsentScope:
    return effective_consent(state, assessment, now=None)


def hr_update_for(before: CaseState | None, after: CaseState, event: CaseEvent, *,
                  notices: Sequence[Notice] = ()) -> HrUpdate | None:
    """The changes HR may see from one event and the notices it caused, or None when there
    are none."""
    changes = _changes(before, after, event, notices)
    if not changes:
        return None
    return HrUpdate(case_id=after.case_id, employer_id=after.employer_id,
                    occurred_at=event.occurred_at, stage=after.stage, changes=tuple(changes))
