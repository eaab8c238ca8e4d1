"""Report first to the employee (practice version 2): the employee reads their OH report before
anyone else, may comment on it, and gives (or withdraws) their own written, dated, scoped consent
to release it: the fitness opinion to their line manager, the recommended adjustments to their
line manager, the advice to HR.

The consent OH records with an assessment is what OH *proposes* to release; the employee can
release no more than that, and nothing reaches the manager or HR until they have (see
`domain.disclosure.effective_consent`). A withdrawal hides the advice again from then on; it
cannot unsay what was read before it, which the access log records.

The employee acts on their own page. OH may record, on the employee's behalf, a consent or a
withdrawal the employee gave outside rtw (a signed form, a letter, a call to OH to withdraw),
naming when it was given and the evidence kept; people without a way to sign in must not lose
the choice, and a withdrawal must be as easy to make as a consent. A comment is the employee's
own words: only the employee records one (OH writes case notes).

Cases opened under earlier practice keep the consent recorded with each assessment: these
actions are refused there, so their disclosure never changes.

The comment window (practice version 4): OH offers each new report to the employee (recorded
by the workflow as soon as the assessment is, `ReportOffered`, with a notice to them); what
their consent releases then waits until the policy's comment window has passed (recorded by
the workflow's timer, `CommentWindowClosed`) unless the employee agrees to the report first:
by giving their own consent on their page after reading it, or by saying they have no comments
(`agree_to_report`). A consent OH records from a signed form made at the consultation, before
the report was written, waits for the window: the employee must have had the chance to read
the report before anyone else does (GMC, Confidentiality (2017): offer to show the patient a
report written for an employer before it is sent).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import Field

from domain.actors import PRINTABLE, Actor, Role
from domain.calendar import add_working_days, local_moment, london_date
from domain.errors import InvalidCommand, PreconditionNotMet
from domain.guards import check_day_not_in_future
from domain.journey.base import (
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineEvent,
    DeadlineKind,
    Event,
    Evolution,
    Preconditions,
)
from domain.journey.case_notes import FILE_STAGES
from domain.practice import PRACTICE_V2, PRACTICE_V4, has_comment_window, reports_first_to_employee
from domain.stages import Action
from domain.state import Assessment, CaseState, ReportConsent, ReportOffer
from domain.values import ConsentScope
from domain.vocabulary import ReportScope

if TYPE_CHECKING:
    from domain.events import CaseEvent

EMPLOYEE = frozenset({Role.EMPLOYEE})
EMPLOYEE_OR_OH = frozenset({Role.EMPLOYEE, Role.OH})

# The part of OH's proposal (`ConsentScope`, recorded with the assessment) each scope releases.
PROPOSAL_OF: dict[ReportScope, str] = {
    ReportScope.FITNESS_TO_MANAGER: "share_fitness_with_manager",
    ReportScope.ADJUSTMENTS_TO_MANAGER: "share_adjustments_with_manager",
    ReportScope.ADVICE_TO_HR: "share_with_hr",
}

SCOPE_WORDS: dict[ReportScope, str] = {
    ReportScope.FITNESS_TO_MANAGER: "the fitness opinion to the line manager",
    ReportScope.ADJUSTMENTS_TO_MANAGER: "the recommended adjustments to the line manager",
    ReportScope.ADVICE_TO_HR: "the advice to HR",
    ReportScope.ADVICE_TO_GP: "the advice to their GP",
}


class CommentOnReport(Command):
    """The employee's comment on their OH report: OH reads it; the manager never does."""

    assessment_number: int = Field(ge=1, description="The number of the assessment whose "
                                   "report the comment is on.")
    comment: str = Field(min_length=1, max_length=TEXT)


class _ConsentCommand(Command):
    assessment_number: int = Field(ge=1, description="The number of the assessment whose "
                                   "report this is about.")
    scopes: list[ReportScope] = Field(min_length=1, max_length=len(ReportScope))
    on: date | None = Field(
        default=None, description="OH recording the employee's written word only: the day the "
        "employee gave it. The employee's own is dated the day they give it on their page.")
    evidence: str | None = Field(
        default=None, min_length=1, max_length=SHORT, pattern=PRINTABLE,
        description="OH recording the employee's written word only: where it is kept (e.g. "
        "'signed consent form, document 4').")


class GiveConsent(_ConsentCommand):
    """The employee's consent to release parts of an OH report, each to whom it names."""


class WithdrawConsent(_ConsentCommand):
    """The employee withdraws a consent they gave: from now on that part is hidden again."""


class ReportCommented(Event):
    """The employee commented on the report of assessment `assessment_number`."""

    type: Literal["ReportCommented"] = "ReportCommented"
    number: int
    assessment_number: int
    comment: str


class ConsentGiven(Event):
    """The employee consented to release these parts of the report, on `given_on`; recorded by
    them, or by OH from their written consent (`evidence`)."""

    type: Literal["ConsentGiven"] = "ConsentGiven"
    assessment_number: int
    scopes: tuple[ReportScope, ...]
    given_on: date
    evidence: str | None = None


class ConsentWithdrawn(Event):
    """The employee withdrew their consent to release these parts of the report."""

    type: Literal["ConsentWithdrawn"] = "ConsentWithdrawn"
    assessment_number: int
    scopes: tuple[ReportScope, ...]
    withdrawn_on: date
    evidence: str | None = None


def proposed(assessment: Assessment, scope: ReportScope) -> bool:
    """Whether OH proposes to release `scope` of `assessment`. Writing to the employee's GP
    needs no proposal recorded with the assessment: it is open, on the employee's consent."""
    if scope is ReportScope.ADVICE_TO_GP:
        return True
    flag: bool = getattr(assessment.consent, PROPOSAL_OF[scope])
    return flag


def latest_word(state: CaseState, assessment_number: int, scope: ReportScope
                ) -> ReportConsent | None:
    """The employee's latest consent or withdrawal for one scope of one report; None: pending."""
    for consent in state.report_consents:
        if consent.assessment_number == assessment_number and consent.scope is scope:
            return consent
    return None


def given_scopes(state: CaseState, assessment_number: int) -> frozenset[ReportScope]:
    """The scopes of one report the employee's consent releases now."""
    return frozenset(c.scope for c in state.report_consents
                     if c.assessment_number == assessment_number and c.given)


def released(state: CaseState, assessment: Assessment) -> ConsentScope:
    """What of `assessment` the employee has released: their consent, within OH's proposal."""
    given = given_scopes(state, assessment.number)
    return ConsentScope(report_offered_to_employee=True, **{
        flag: scope in given and proposed(assessment, scope)
        for scope, flag in PROPOSAL_OF.items()})


def _assessment(state: CaseState, number: int) -> Assessment:
    for assessment in state.assessments:
        if assessment.number == number:
            return assessment
    held = len(state.assessments)
    raise InvalidCommand("assessment_number", f"the case has {held} assessment"
                         f"{'' if held == 1 else 's'}; there is no report {number}")


class WrittenWord(Protocol):
    """A command carrying the employee's word: the day and evidence OH names when it records a
    written one (both absent on the employee's own page)."""

    @property
    def on(self) -> date | None: ...

    @property
    def evidence(self) -> str | None: ...


def dated_word(command: WrittenWord, now: datetime, actor: Actor, *, own: str,
               not_before: date, not_before_text: str) -> date:
    """The day the employee gave their word (`own`, e.g. "consent"): today on their own page;
    the day OH names when recording a written one, with the evidence kept, not in the future
    and not before `not_before` (`not_before_text` says what that day is)."""
    if actor.role is Role.EMPLOYEE:
        for field in ("on", "evidence"):
            if getattr(command, field) is not None:
                raise InvalidCommand(field, f"your own {own} is dated the day you give it; "
                                     "leave it out")
        return london_date(now)
    if command.on is None or command.evidence is None:
        field = "on" if command.on is None else "evidence"
        raise InvalidCommand(field, "OH records the employee's written word: name the day "
                             "they gave it ('on') and where it is kept ('evidence')")
    check_day_not_in_future("on", command.on, now)
    if command.on < not_before:
        raise InvalidCommand("on", f"must not be before {not_before_text}")
    return command.on


def _dated(command: _ConsentCommand | AgreeToReport, assessment: Assessment, now: datetime,
           actor: Actor) -> date:
    """The day the employee gave their word about a report: not before its assessment."""
    assessed_on = london_date(assessment.assessed_at)
    return dated_word(command, now, actor, own="consent", not_before=assessed_on,
                      not_before_text=f"the report's assessment on {assessed_on.isoformat()}")


def _distinct(scopes: list[ReportScope]) -> tuple[ReportScope, ...]:
    return tuple(scope for scope in ReportScope if scope in scopes)


def comment_on_report(state: CaseState, command: CommentOnReport, now: datetime, actor: Actor
                      ) -> list[CaseEvent]:
    _assessment(state, command.assessment_number)
    if not command.comment.strip():
        raise InvalidCommand("comment", "must not be blank")
    number = state.report_comments + 1
    return [ReportCommented(
        occurred_at=now, actor=actor, number=number,
        assessment_number=command.assessment_number, comment=command.comment,
        # Auditors read the reason in lists: it never repeats the comment.
        reason=f"comment {number} by the employee on the report of assessment "
        f"{command.assessment_number}",
    )]


def give_consent(state: CaseState, command: GiveConsent, now: datetime, actor: Actor
                 ) -> list[CaseEvent]:
    assessment = _assessment(state, command.assessment_number)
    scopes = _distinct(command.scopes)
    if ReportScope.ADVICE_TO_GP in scopes and not has_comment_window(state):
        raise InvalidCommand("scopes", f"consent to {SCOPE_WORDS[ReportScope.ADVICE_TO_GP]} is "
                             f"recorded on cases from practice version {PRACTICE_V4}; this "
                             f"case follows version {state.practice}; nothing was recorded")
    not_proposed = [s for s in scopes if not proposed(assessment, s)]
    if not_proposed:
        raise InvalidCommand("scopes", "OH does not propose to release "
                             + " or ".join(SCOPE_WORDS[s] for s in not_proposed)
                             + f" of report {assessment.number}; nothing was recorded")
    already = given_scopes(state, assessment.number)
    new = tuple(s for s in scopes if s not in already)
    if not new:
        raise InvalidCommand("scopes", "consent to " + " and ".join(SCOPE_WORDS[s] for s in
                             scopes) + f" of report {assessment.number} is already given")
    given_on = _dated(command, assessment, now, actor)
    by = "written consent recorded by OH " + actor.id if actor.role is Role.OH else "the employee"
    return [ConsentGiven(
        occurred_at=now, actor=actor, assessment_number=assessment.number, scopes=new,
        given_on=given_on, evidence=command.evidence,
        reason=f"consent to release {', '.join(SCOPE_WORDS[s] for s in new)} of report "
        f"{assessment.number}, given by {by}",
    )]


def withdraw_consent(state: CaseState, command: WithdrawConsent, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    assessment = _assessment(state, command.assessment_number)
    scopes = _distinct(command.scopes)
    given = given_scopes(state, assessment.number)
    not_given = [s for s in scopes if s not in given]
    if not_given:
        raise InvalidCommand("scopes", "there is no consent to withdraw for "
                             + " or ".join(SCOPE_WORDS[s] for s in not_given)
                             + f" of report {assessment.number}; nothing was recorded")
    withdrawn_on = _dated(command, assessment, now, actor)
    by = "withdrawal recorded by OH " + actor.id if actor.role is Role.OH else "the employee"
    return [ConsentWithdrawn(
        occurred_at=now, actor=actor, assessment_number=assessment.number, scopes=scopes,
        withdrawn_on=withdrawn_on, evidence=command.evidence,
        reason=f"consent to release {', '.join(SCOPE_WORDS[s] for s in scopes)} of report "
        f"{assessment.number} withdrawn by {by}",
    )]


# --- the comment window (practice version 4) ---------------------------------------------

REPORT_OFFERED = "report_offered"
COMMENT_WINDOW = "report_comment_window"
DEADLINE_NAMES = frozenset({REPORT_OFFERED, COMMENT_WINDOW})
"""The deadlines `deadline_passed` decides (see `domain.deadlines.decide_deadline`)."""


class AgreeToReport(Command):
    """The employee has read their report and has no comments: what they consent to release
    need not wait for the rest of the comment window. On their page; or OH records it from
    their written word (a signed form, a letter, an email), naming the day and the evidence."""

    assessment_number: int = Field(ge=1, description="The number of the assessment whose "
                                   "report the employee agrees to.")
    on: date | None = Field(
        default=None, description="OH recording the employee's written word only: the day "
        "they gave it. The employee's own is dated the day they give it on their page.")
    evidence: str | None = Field(
        default=None, min_length=1, max_length=SHORT, pattern=PRINTABLE,
        description="OH recording the employee's written word only: where it is kept.")


class ReportOffered(DeadlineEvent):
    """OH's report of assessment `assessment_number` was offered to the employee; its comment
    window ends at `window_ends_at` (the policy's working days, at the end of the day)."""

    type: Literal["ReportOffered"] = "ReportOffered"
    assessment_number: int
    window_ends_at: datetime


class CommentWindowClosed(DeadlineEvent):
    """The comment window on the report of assessment `assessment_number` has passed."""

    type: Literal["CommentWindowClosed"] = "CommentWindowClosed"
    assessment_number: int


class ReportAgreed(Event):
    """The employee read the report of assessment `assessment_number` and has no comments."""

    type: Literal["ReportAgreed"] = "ReportAgreed"
    assessment_number: int
    agreed_on: date | None = None
    evidence: str | None = None


def offer_of(state: CaseState, assessment_number: int) -> ReportOffer | None:
    """When report `assessment_number` was offered to the employee; None: not yet."""
    return next((offer for offer in state.report_offers
                 if offer.assessment_number == assessment_number), None)


def comment_window_ends_at(state: CaseState, offered_at: datetime) -> datetime:
    """The end of the comment window of a report offered at `offered_at`: the end of the
    policy's `report_comment_window_working_days`-th working day after (the moment itself
    when the policy has no window)."""
    policy = state.policy
    days = policy.report_comment_window_working_days
    if days == 0:
        return offered_at
    last_day = add_working_days(london_date(offered_at), days, policy.non_working_days)
    return local_moment(last_day, policy.working_day_ends_at)


def window_over(state: CaseState, assessment_number: int, now: datetime | None) -> bool:
    """Whether the employee's consent to report `assessment_number` may release it yet, as far
    as the comment window goes: always before practice version 4; from it, once the report was
    offered and either the employee agreed to it or its window has passed (recorded, or by
    `now`; None: as recorded only, for what is decided event by event, like HR's webhook)."""
    if not has_comment_window(state):
        return True
    offer = offer_of(state, assessment_number)
    if offer is None:
        return False
    if assessment_number in state.reports_agreed or offer.window_closed:
        return True
    return now is not None and now >= offer.window_ends_at


def deadlines(state: CaseState) -> list[Deadline]:
    """Practice version 4: offer the latest report to the employee as soon as it is recorded,
    then close its comment window when it ends (unless the employee agreed to it first)."""
    assessment = state.latest_assessment
    if assessment is None or not has_comment_window(state):
        return []
    number = assessment.number
    offer = offer_of(state, number)
    if offer is None:
        return [Deadline(key=f"report_offered_a{number}", name=REPORT_OFFERED,
                         due_at=assessment.assessed_at, kind=DeadlineKind.REPORT_FIRST,
                         recipients=(Role.EMPLOYEE,),
                         why=f"offer the report of assessment {number} to the employee")]
    if offer.window_closed or number in state.reports_agreed:
        return []
    return [Deadline(key=f"comment_window_a{number}", name=COMMENT_WINDOW,
                     due_at=offer.window_ends_at, kind=DeadlineKind.REPORT_FIRST,
                     why=f"the comment window on the report of assessment {number} ends")]


def deadline_passed(state: CaseState, deadline: Deadline, *, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    """What the passing of a report-first deadline records."""
    assessment = state.latest_assessment
    if assessment is None:
        return []
    days = state.policy.report_comment_window_working_days
    if deadline.name == REPORT_OFFERED:
        ends = comment_window_ends_at(state, now)
        return [ReportOffered(
            occurred_at=now, actor=actor, deadline_key=deadline.key,
            assessment_number=assessment.number, window_ends_at=ends,
            reason=f"the report of assessment {assessment.number} offered to the employee; "
            f"comment window of {days} working day(s) (policy {state.policy.version}) ends "
            f"{ends.isoformat()}")]
    return [CommentWindowClosed(
        occurred_at=now, actor=actor, deadline_key=deadline.key,
        assessment_number=assessment.number,
        reason=f"the comment window ({days} working day(s), policy {state.policy.version}) "
        f"on the report of assessment {assessment.number} has passed")]


def agree_to_report(state: CaseState, command: AgreeToReport, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    assessment = _assessment(state, command.assessment_number)
    if assessment.number in state.reports_agreed:
        raise InvalidCommand("assessment_number", "the employee has already agreed to report "
                             f"{assessment.number}")
    agreed_on = _dated(command, assessment, now, actor)
    by = "recorded by OH " + actor.id + " from their written word" \
        if actor.role is Role.OH else "on their page"
    return [ReportAgreed(
        occurred_at=now, actor=actor, assessment_number=assessment.number,
        agreed_on=agreed_on, evidence=command.evidence,
        reason=f"the employee read the report of assessment {assessment.number} and has no "
        f"comments ({by})")]


def _check_comment_window(state: CaseState, actor: Actor) -> None:
    if not has_comment_window(state):
        raise PreconditionNotMet(
            f"the comment window (practice version {PRACTICE_V4})",
            Action.GIVE_CONSENT.value,
            f"this case follows practice version {state.practice}: the employee's consent "
            "releases the report at once")


def _offered(state: CaseState, event: ReportOffered) -> Changes:
    kept = tuple(o for o in state.report_offers if o.assessment_number != event.assessment_number)
    return {"report_offers": (*kept, ReportOffer(
        assessment_number=event.assessment_number, offered_at=event.occurred_at,
        window_ends_at=event.window_ends_at,
        window_closed=event.window_ends_at <= event.occurred_at))}


def _window_closed(state: CaseState, event: CommentWindowClosed) -> Changes:
    return {"report_offers": tuple(
        o.model_copy(update={"window_closed": True})
        if o.assessment_number == event.assessment_number else o for o in state.report_offers)}


def _agreed(state: CaseState, number: int) -> Changes:
    if number in state.reports_agreed:
        return {}
    return {"reports_agreed": (*state.reports_agreed, number)}


def _report_agreed(state: CaseState, event: ReportAgreed) -> Changes:
    return _agreed(state, event.assessment_number)


def _check_reports_first(state: CaseState, actor: Actor) -> None:
    if not reports_first_to_employee(state):
        raise PreconditionNotMet(
            f"the report-first rules (practice version {PRACTICE_V2})",
            Action.RECORD_ASSESSMENT.value,
            f"this case follows practice version {state.practice}: the consent recorded with "
            "each assessment decides what is shared; to change it, OH records a new assessment")


def _with_word(state: CaseState, number: int, scopes: tuple[ReportScope, ...], given: bool,
               on: date) -> Changes:
    kept = tuple(c for c in state.report_consents
                 if not (c.assessment_number == number and c.scope in scopes))
    return {"report_consents": (*kept, *(ReportConsent(assessment_number=number, scope=scope,
                                                       given=given, on=on)
                                         for scope in scopes))}


def _commented(state: CaseState, event: ReportCommented) -> Changes:
    return {"report_comments": event.number}


def _given(state: CaseState, event: ConsentGiven) -> Changes:
    changes = _with_word(state, event.assessment_number, event.scopes, True, event.given_on)
    if has_comment_window(state) and event.actor.role is Role.EMPLOYEE:
        # Their own consent on their page, where they read the report: they agree to it.
        changes.update(_agreed(state, event.assessment_number))
    return changes


def _withdrawn(state: CaseState, event: ConsentWithdrawn) -> Changes:
    return _with_word(state, event.assessment_number, event.scopes, False, event.withdrawn_on)


EVOLUTION: Evolution = {
    ReportCommented: _commented, ConsentGiven: _given, ConsentWithdrawn: _withdrawn,
    ReportOffered: _offered, CommentWindowClosed: _window_closed, ReportAgreed: _report_agreed,
}

PRECONDITIONS: Preconditions = {
    Action.COMMENT_ON_REPORT: (_check_reports_first,),
    Action.GIVE_CONSENT: (_check_reports_first,),
    Action.WITHDRAW_CONSENT: (_check_reports_first,),
    Action.AGREE_TO_REPORT: (_check_reports_first, _check_comment_window),
}

RULES: dict[Action, ActionRule] = {
    # Taken on the employee's own page (`/my-case/{case_id}/report`): employees hold no API
    # token, so an endpoint would answer nobody.
    Action.COMMENT_ON_REPORT: ActionRule(
        command=CommentOnReport, decide=comment_on_report, roles=EMPLOYEE, stages=FILE_STAGES,
        example={"assessment_number": 1,
                 "comment": "I can start at 10:00 but not on Mondays, when I see my physio."},
    ),
    Action.GIVE_CONSENT: ActionRule(
        command=GiveConsent, decide=give_consent, roles=EMPLOYEE_OR_OH, stages=FILE_STAGES,
        path="consents",
        example={"assessment_number": 1, "scopes": ["fitness_to_manager",
                                                    "adjustments_to_manager"],
                 "on": "2026-11-23", "evidence": "signed consent form, document 4"},
    ),
    Action.WITHDRAW_CONSENT: ActionRule(
        command=WithdrawConsent, decide=withdraw_consent, roles=EMPLOYEE_OR_OH,
        stages=FILE_STAGES, path="consent-withdrawals",
        example={"assessment_number": 1, "scopes": ["adjustments_to_manager"],
                 "on": "2026-11-23", "evidence": "the employee phoned OH to withdraw it"},
    ),
    # "I have read my report and have no comments": on the employee's own page, or recorded
    # by OH from their written word.
    Action.AGREE_TO_REPORT: ActionRule(
        command=AgreeToReport, decide=agree_to_report, roles=EMPLOYEE_OR_OH,
        stages=FILE_STAGES, path="report-agreements",
        example={"assessment_number": 1, "on": "2026-11-23",
                 "evidence": "email from the employee: no comments on the report"},
    ),
}
