"""The services an employer's OH offers, and the referral and exclusion criteria of each.

An employer configures its services in its policy (`Policy.services`), so each case records the
services and criteria in force when it opened. A criterion is structured, not prose: a plain
description for people, and a test a machine can apply to what the referrer said (the reason
category, the route, who referred, an answer to a question, or an exclusion the referrer states,
such as "needs urgent medical care"). A referral that fails a criterion at intake is refused
naming it; a decline at triage names the criterion it applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.errors import InvalidCommand
from domain.stages import ReasonCategory
from domain.vocabulary import ReferralSource, Route, TherapyKind

SERVICE_ID = r"^[a-z0-9][a-z0-9_-]{0,59}$"
"""Service, criterion, question and flag ids: short, lower-case, stable names."""

ServiceRef = Annotated[str, Field(pattern=SERVICE_ID)]

MAX_SERVICES = 20
MAX_CRITERIA = 20
MAX_STATED = 20
"""At most this many answers, and this many exclusion flags, on one referral."""


class ServiceKind(StrEnum):
    """What a service does; a service other than OH treats, and is referred to directly."""

    OCCUPATIONAL_HEALTH = "occupational_health"
    PHYSIOTHERAPY = "physiotherapy"
    TALKING_THERAPY = "talking_therapy"
    EMPLOYEE_ASSISTANCE = "employee_assistance"


_THERAPY_OF: dict[ServiceKind, TherapyKind | None] = {
    ServiceKind.OCCUPATIONAL_HEALTH: None,
    ServiceKind.PHYSIOTHERAPY: TherapyKind.PHYSIOTHERAPY,
    ServiceKind.TALKING_THERAPY: TherapyKind.TALKING_THERAPY,
    ServiceKind.EMPLOYEE_ASSISTANCE: TherapyKind.EMPLOYEE_ASSISTANCE,
}


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReasonCategoryTest(_Part):
    """Met when the referral's reason category is one of `accepted`."""

    test: Literal["reason_category"] = "reason_category"
    accepted: tuple[ReasonCategory, ...] = Field(min_length=1)


class RouteTest(_Part):
    """Met when the case's route (stay at work, return to work) is one of `accepted`."""

    test: Literal["route"] = "route"
    accepted: tuple[Route, ...] = Field(min_length=1)


class SourceTest(_Part):
    """Met when the referral came from one of `accepted` (self, manager, GP, ...)."""

    test: Literal["source"] = "source"
    accepted: tuple[ReferralSource, ...] = Field(min_length=1)


class AnswerTest(_Part):
    """Met when the referrer answered `question` with `required` (no answer fails)."""

    test: Literal["answer"] = "answer"
    question: str = Field(pattern=SERVICE_ID)
    required: bool


class ExclusionTest(_Part):
    """Met unless the referrer states `flag` (e.g. needs_urgent_medical_care)."""

    test: Literal["exclusion"] = "exclusion"
    flag: str = Field(pattern=SERVICE_ID)


CriterionTest = Annotated[
    ReasonCategoryTest | RouteTest | SourceTest | AnswerTest | ExclusionTest,
    Field(discriminator="test"),
]


class Criterion(_Part):
    """One referral or exclusion criterion: an id to name it by, words, and its test."""

    id: str = Field(pattern=SERVICE_ID)
    description: str = Field(min_length=1, max_length=300)
    test: CriterionTest


def _unique_criteria(criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
    _refuse_repeats("criterion", (c.id for c in criteria))
    return criteria


class Service(_Part):
    """A service referrals can name, and the criteria a referral to it must meet."""

    id: str = Field(pattern=SERVICE_ID, description="How referrals name it, e.g. 'physio'.")
    kind: ServiceKind
    name: str = Field(min_length=1, max_length=100, description="Its name, for people.")
    self_referral: bool = Field(description="Whether employees may refer themselves to it.")
    criteria: Annotated[tuple[Criterion, ...], AfterValidator(_unique_criteria)] = Field(
        default=(), max_length=MAX_CRITERIA)

    @property
    def therapy(self) -> TherapyKind | None:
        """The therapy a direct referral to it starts; None for OH, which assesses first."""
        return _THERAPY_OF[self.kind]

    @property
    def questions(self) -> frozenset[str]:
        return frozenset(c.test.question for c in self.criteria
                         if isinstance(c.test, AnswerTest))

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(c.test.flag for c in self.criteria if isinstance(c.test, ExclusionTest))


def _refuse_repeats(what: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for one in ids:
        if one in seen:
            raise ValueError(f"{what} id {one!r} appears twice")
        seen.add(one)


def _checked_services(services: tuple[Service, ...]) -> tuple[Service, ...]:
    """Ids unique, and one OH service at least: a referral naming no service goes to OH."""
    _refuse_repeats("service", (s.id for s in services))
    if not any(s.kind is ServiceKind.OCCUPATIONAL_HEALTH for s in services):
        raise ValueError("the services must include one of kind occupational_health")
    return services


Services = Annotated[tuple[Service, ...], AfterValidator(_checked_services),
                     Field(min_length=1, max_length=MAX_SERVICES)]

_NOT_URGENT = Criterion(
    id="not_urgent",
    description="Does not need urgent medical care (that is for the GP, 111 or A&E first).",
    test=ExclusionTest(flag="needs_urgent_medical_care"),
)

DEFAULT_SERVICES: tuple[Service, ...] = (
    Service(id="oh", kind=ServiceKind.OCCUPATIONAL_HEALTH, name="Occupational health",
            self_referral=True, criteria=(
                _NOT_URGENT,
                Criterion(id="employee_consents",
                          description="The employee agrees to the referral.",
                          test=AnswerTest(question="employee_consents", required=True)),
                Criterion(id="about_work",
                          description="It asks about health and work (fitness for the role, "
                          "adjustments, a return), not for treatment alone.",
                          test=AnswerTest(question="about_work", required=True)),
            )),
    Service(id="physio", kind=ServiceKind.PHYSIOTHERAPY, name="Staff physiotherapy",
            self_referral=True, criteria=(
                Criterion(id="musculoskeletal",
                          description="A muscle, joint or back problem.",
                          test=ReasonCategoryTest(accepted=(ReasonCategory.MUSCULOSKELETAL,))),
                _NOT_URGENT,
                Criterion(id="no_red_flags",
                          description="No red-flag symptoms (such as new bladder or bowel "
                          "problems, or numbness around the groin): those need urgent care.",
                          test=ExclusionTest(flag="red_flag_symptoms")),
                Criterion(id="not_treated_elsewhere",
                          description="Not already being treated for the same problem "
                          "elsewhere.",
                          test=AnswerTest(question="treated_elsewhere", required=False)),
            )),
    Service(id="talking-therapy", kind=ServiceKind.TALKING_THERAPY, name="Talking therapy",
            self_referral=True, criteria=(
                Criterion(id="mental_health",
                          description="Stress, low mood, anxiety or another mental-health "
                          "problem.",
                          test=ReasonCategoryTest(accepted=(ReasonCategory.MENTAL_HEALTH,))),
                _NOT_URGENT,
                Criterion(id="not_in_crisis",
                          description="Not at immediate risk of harm (crisis care comes "
                          "first).",
                          test=ExclusionTest(flag="at_risk_of_harm")),
            )),
    Service(id="eap", kind=ServiceKind.EMPLOYEE_ASSISTANCE, name="Employee assistance",
            self_referral=True, criteria=(
                Criterion(id="employee_or_manager",
                          description="Referred by the employee or their line manager.",
                          test=SourceTest(accepted=(ReferralSource.SELF,
                                                    ReferralSource.MANAGER))),
                _NOT_URGENT,
            )),
)
"""The services an employer has unless its policy names its own."""


class ReferralFacts(_Part):
    """What the referrer said, as the criteria read it."""

    route: Route
    source: ReferralSource
    reason_category: ReasonCategory
    answers: Mapping[str, bool] = Field(default_factory=dict)
    flags: frozenset[str] = frozenset()


def criterion_met(criterion: Criterion, facts: ReferralFacts) -> bool:
    """Whether the referral meets one criterion."""
    test = criterion.test
    if isinstance(test, ReasonCategoryTest):
        return facts.reason_category in test.accepted
    if isinstance(test, RouteTest):
        return facts.route in test.accepted
    if isinstance(test, SourceTest):
        return facts.source in test.accepted
    if isinstance(test, AnswerTest):
        return facts.answers.get(test.question) is test.required
    return test.flag not in facts.flags


def unmet_criteria(service: Service, facts: ReferralFacts) -> tuple[Criterion, ...]:
    """The service's criteria the referral fails, in the order the service lists them."""
    return tuple(c for c in service.criteria if not criterion_met(c, facts))


class CriterionNotMet(InvalidCommand):
    """A referral fails one of the criteria of the service it names."""

    def __init__(self, service: Service, criterion: Criterion) -> None:
        field, accepted = _what_it_reads(criterion)
        super().__init__(field, f"{service.name} ({service.id}) accepts no referral failing "
                         f"its criterion '{criterion.id}': {criterion.description} "
                         f"Accepted: {accepted}")
        self.service_id = service.id
        self.criterion_id = criterion.id


def _what_it_reads(criterion: Criterion) -> tuple[str, str]:
    """The referral field a criterion reads, and what it accepts, in words."""
    test = criterion.test
    if isinstance(test, ReasonCategoryTest | RouteTest | SourceTest):
        return test.test, ", ".join(value.value for value in test.accepted) + "."
    if isinstance(test, AnswerTest):
        return (f"answers.{test.question}",
                f"an answer of {str(test.required).lower()} to '{test.question}'.")
    return "flags", f"a referral that does not state '{test.flag}'."


def find_service(services: tuple[Service, ...], service_id: str | None) -> Service:
    """The service a referral names, or the first OH service when it names none."""
    if service_id is None:
        return next(s for s in services if s.kind is ServiceKind.OCCUPATIONAL_HEALTH)
    for service in services:
        if service.id == service_id:
            return service
    raise InvalidCommand("service_id", f"no service '{service_id}' in the employer's policy; "
                         f"accepted: {', '.join(s.id for s in services)}")


def check_referral(service: Service, facts: ReferralFacts) -> None:
    """Refuse a referral the service does not take: a self-referral it does not accept, an
    answer or flag it does not ask about (a typing slip must not pass a criterion unseen), or
    the first criterion the referral fails."""
    if facts.source is ReferralSource.SELF and not service.self_referral:
        raise InvalidCommand("source", f"{service.name} ({service.id}) takes no "
                             "self-referral; a manager, GP or clinician may refer")
    unknown_questions = sorted(set(facts.answers) - service.questions)
    if unknown_questions:
        raise InvalidCommand(f"answers.{unknown_questions[0]}",
                             f"{service.id} asks no such question; it asks: "
                             f"{_listed(service.questions)}")
    unknown_flags = sorted(facts.flags - service.flags)
    if unknown_flags:
        raise InvalidCommand("flags", f"{service.id} knows no flag '{unknown_flags[0]}'; it "
                             f"knows: {_listed(service.flags)}")
    unmet = unmet_criteria(service, facts)
    if unmet:
        raise CriterionNotMet(service, unmet[0])


def check_criterion_of(service: Service, criterion_id: str) -> Criterion:
    """The criterion a decline names, which must be one of the triaging service's."""
    for criterion in service.criteria:
        if criterion.id == criterion_id:
            return criterion
    raise InvalidCommand("criterion", f"'{criterion_id}' is not a criterion of {service.name} "
                         f"({service.id}); accepted: {_listed(c.id for c in service.criteria)}")


def _listed(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids)) or "none"
