"""What events and the case state hold: plain values, with no rule about how they were typed.

A stored event must load for as long as the record is kept, whatever the API accepts today. So
the shapes here carry no input rule (no length limit, no printable-text pattern, no bounds):
those live on the input forms that commands take (`domain.actors.Person`, and the
`Adjustment`, `Assessor`, `PlanContent`, ... beside each stage's commands). Tightening an input
rule then refuses new input only, and never a case already on record.

An input form becomes its value where an event is built: values read the fields of any object
that has them (`from_attributes`), so `AssessmentRecorded(assessor=command.assessor, ...)` stores
a `values.Assessor`. Field names and order here are the stored JSON: never change them, raise the
event's version instead (see `domain.upcasting`).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from domain.vocabulary import AdjustmentKind, MatchJudgement, WorkDemand


class Value(BaseModel):
    """Immutable, compared by content, and built from any object with the same fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)


class Person(Value):
    """An employee or line manager, as the case recorded them."""

    id: str = Field(description="The HR system's person id.")
    name: str
    email: str


class SickPayEntitlement(Value):
    """Contractual sick pay left at the start of the absence, in calendar days."""

    full_pay_days: int
    half_pay_days: int


class PastAbsence(Value):
    """An earlier absence of the same employee at the same employer: rtw's own case, or one HR
    reported from before rtw knew the employee. Dates only, and the broad reason category."""

    first_day: date
    last_day: date | None
    """The last calendar day of absence; None while it is still going on."""
    reason_category: str | None = None
    """The broad category (`domain.stages.ReasonCategory`), when known; OH only."""
    case_id: str | None = None
    """The rtw case of the absence; None for one HR reported from before rtw."""


class Employment(Value):
    """What HR says of the employment, for the rules that derive sick pay and hours."""

    service_start: date | None = None
    """The start of continuous (reckonable) service, for contractual sick pay."""
    weekly_hours: float | None = None
    role_title: str | None = None
    average_weekly_earnings_pence: int | None = None
    """Average weekly earnings, for Statutory Sick Pay's earnings rules."""
    qualifying_days: tuple[int, ...] | None = None
    """The days of the week SSP is paid for (ISO weekday numbers, Monday 1); None: Monday to
    Friday."""


class Adjustment(Value):
    """A workplace adjustment, recommended by OH or agreed in a plan."""

    kind: AdjustmentKind
    detail: str


class ConsentScope(Value):
    """What the employee consented to share, in writing, after being offered the report."""

    share_fitness_with_manager: bool = False
    share_adjustments_with_manager: bool = False
    share_with_hr: bool = False
    report_offered_to_employee: bool = False


class Assessor(Value):
    """The named OH professional behind an assessment (or the confirmation of an escalation):
    the signed-in user, as the token registry names them."""

    id: str
    name: str
    profession: str = Field(description="e.g. OH nurse, OH physician")
    registration: str | None = Field(
        default=None, description="Their professional registration number, when given "
        "(AssessmentRecorded version 2 on).")


class PlanAction(Value):
    """One step of a rehabilitation plan, with who owns it and by when."""

    owner: str
    description: str
    due_on: date


class PlanContent(Value):
    """What a rehabilitation plan says; `concerns` and the needs are OH-only detail."""

    concerns: list[str] = Field(default_factory=list)
    wellbeing_needs: list[str] = Field(default_factory=list)
    goals: list[str]
    actions: list[PlanAction] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    support_organisations: list[str] = Field(default_factory=list)
    specific_needs: list[str] = Field(default_factory=list)
    review_dates: list[date]


class PlanAgreement(Value):
    """Who agreed the plan: all three must have, by the journey's rules."""

    employee: bool
    manager: bool
    oh: bool


class PhasedReturnWeek(Value):
    """One week of a phased return: the hours and duties agreed for it."""

    week: int
    hours: float
    duties: str


class VacancyMatch(Value):
    """A vacancy matched against the employee: OH's restrictions and the employee's
    capabilities on one side, the vacancy's demands and the skills it needs on the other, and
    the judgement (with the adjustments that make a restricted demand workable)."""

    restrictions: tuple[WorkDemand, ...]
    capabilities: tuple[str, ...]
    demands: tuple[WorkDemand, ...]
    skills_needed: tuple[str, ...]
    judgement: MatchJudgement
    adjustments: tuple[str, ...] = ()
    advice_of_assessment: int | None = None
    """The number of the OH assessment whose advice the restrictions come from."""
