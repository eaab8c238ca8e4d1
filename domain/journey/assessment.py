"""The OH assessment: a named professional's opinion on fitness for work, the barriers, the
adjustments recommended, and how far the employee consented to share it. An opinion is never
altered, only followed by a new one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from domain import values
from domain.actors import Actor
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.guards import check_not_before_case, check_not_in_future, check_text_present
from domain.journey.base import (
    EXAMPLE_AT,
    OH,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Event,
    Evolution,
)
from domain.journey.escalation import escalation_unless_pending
from domain.journey.professional import Professional, describe
from domain.stages import WORKING_STAGES, Action, Stage
from domain.state import Assessment, CaseState
from domain.values import ConsentScope
from domain.vocabulary import AdjustmentKind, AssessmentKind, Fitness, Tier

if TYPE_CHECKING:
    from domain.events import CaseEvent

UNFIT_ANY_WORK_BY_ASSESSMENT = "assessment: unfit for any work"


# The input forms of values.Adjustment and values.Assessor: what a command may carry.
class Adjustment(Command):
    kind: AdjustmentKind
    detail: str = Field(min_length=1, max_length=TEXT)


class Assessor(Professional):
    """The assessing OH professional; the API fills it from the signed-in user."""


class RecordAssessment(Command):
    """An early or quality health assessment by a named OH professional."""

    kind: AssessmentKind
    assessed_at: AwareDatetime
    assessor: Assessor | None = Field(
        default=None, description="The assessing professional. Through the API it is the "
        "signed-in user, filled from the token registry; a body naming another id is refused.")
    tier: Tier
    fitness: Fitness
    barriers: list[str] = Field(default_factory=list, max_length=50)
    recommended_adjustments: list[Adjustment] = Field(default_factory=list, max_length=50)
    consent: ConsentScope
    rapid_access: bool = Field(description="Rapid access decided by the assessing professional.")
    clinical_notes: str | None = Field(default=None, max_length=TEXT, description="OH only.")


class AssessmentRecorded(Event):
    """An OH assessment; an opinion is never altered, only followed by a new one.

    Version 2: the assessor carries their registration number (None when not given); version 1
    had none.
    """

    type: Literal["AssessmentRecorded"] = "AssessmentRecorded"
    event_version: Literal[2] = 2
    number: int
    kind: AssessmentKind
    assessed_at: AwareDatetime
    assessor: values.Assessor
    tier: Tier
    fitness: Fitness
    barriers: tuple[str, ...] = ()
    recommended_adjustments: tuple[values.Adjustment, ...] = ()
    consent: ConsentScope
    rapid_access: bool
    clinical_notes: str | None = None


def record_assessment(state: CaseState, command: RecordAssessment, now: datetime, actor: Actor
                      ) -> list[CaseEvent]:
    check_not_in_future("assessed_at", command.assessed_at, now)
    check_not_before_case("assessed_at", london_date(command.assessed_at), state)
    check_text_present("barriers", command.barriers)
    assessor = command.assessor
    if assessor is None:
        raise InvalidCommand("assessor", "name the assessing OH professional (through the API, "
                             "the signed-in user is the assessor)")
    if command.fitness is Fitness.FIT_WITH_ADJUSTMENTS and not command.recommended_adjustments:
        raise InvalidCommand(
            "recommended_adjustments", "name at least one when fitness is fit_with_adjustments"
        )
    number = len(state.assessments) + 1
    events: list[CaseEvent] = [
        AssessmentRecorded(
            occurred_at=command.assessed_at,
            actor=actor,
            reason=f"{command.kind.value} assessment {number} by {describe(assessor)}: "
            f"tier {int(command.tier)}",
            number=number,
            kind=command.kind,
            assessed_at=command.assessed_at,
            assessor=assessor,
            tier=command.tier,
            fitness=command.fitness,
            barriers=tuple(command.barriers),
            recommended_adjustments=tuple(command.recommended_adjustments),
            consent=command.consent,
            rapid_access=command.rapid_access,
            clinical_notes=command.clinical_notes,
        )
    ]
    if command.fitness is Fitness.UNFIT_ANY_WORK:
        events += escalation_unless_pending(
            state, cause=UNFIT_ANY_WORK_BY_ASSESSMENT, now=now, actor=actor,
            reason=f"assessment {number} found the employee unfit for any work")
    return events


def _assessed(state: CaseState, event: AssessmentRecorded) -> Changes:
    assessment = Assessment(
        number=event.number, kind=event.kind, assessed_at=event.assessed_at,
        assessor=event.assessor, tier=event.tier, fitness=event.fitness, barriers=event.barriers,
        recommended_adjustments=event.recommended_adjustments, consent=event.consent,
        rapid_access=event.rapid_access, clinical_notes=event.clinical_notes,
    )
    changes: Changes = {"assessments": (*state.assessments, assessment)}
    if state.stage is Stage.ASSESSMENT:
        changes["stage"] = Stage.PLANNING
    return changes


EVOLUTION: Evolution = {AssessmentRecorded: _assessed}

RULES: dict[Action, ActionRule] = {
    Action.RECORD_ASSESSMENT: ActionRule(
        command=RecordAssessment, decide=record_assessment, roles=OH, stages=WORKING_STAGES,
        path="assessments",
        example={
            "kind": "early", "assessed_at": EXAMPLE_AT,
            "tier": 2, "fitness": "fit_with_adjustments", "barriers": ["travel to work"],
            "recommended_adjustments": [{"kind": "work_pattern", "detail": "Start at 10:00"}],
            "consent": {"share_fitness_with_manager": True,
                        "share_adjustments_with_manager": True, "share_with_hr": False,
                        "report_offered_to_employee": True},
            "rapid_access": True, "clinical_notes": "OH only",
        },
    ),
}
