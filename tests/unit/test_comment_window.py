"""The comment window (practice version 4): a report is offered to the employee as soon as it
is recorded, and what their consent releases reaches the manager or HR only once its window
has passed or the employee agreed to it; a withdrawal hides it again. The API, the pages and
HR's webhook read the one rule (`domain.disclosure.effective_consent`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.calendar import is_working_day, london_date
from domain.commands import DeadlinePassed
from domain.deadlines import open_deadlines
from domain.decide import decide
from domain.disclosure import ConsentStatus, advice_shown, consent_status
from domain.errors import InvalidCommand, PreconditionNotMet
from domain.events import CaseEvent, CommentWindowClosed, ReportOffered
from domain.evolve import evolve
from domain.hr_updates import hr_update_for
from domain.journey.report_consent import (
    AgreeToReport,
    GiveConsent,
    WithdrawConsent,
    comment_window_ends_at,
    window_over,
)
from domain.notices import NoticeKind, notices_for
from domain.practice import CURRENT_PRACTICE, PRACTICE_V3, PRACTICE_V4, has_comment_window
from domain.state import CaseState
from domain.vocabulary import ReportScope
from localstack import samples as j
from tests.support.builders import EMPLOYEE, MANAGER_ACTOR, OH_ACTOR, opened_state

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)  # a Friday
ASSESSED = OPENED + timedelta(hours=2)
# Two working days after Friday: the end of Tuesday (London is on UTC in November).
WINDOW_ENDS = datetime(2026, 11, 24, 17, tzinfo=UTC)
ME = Actor(id=EMPLOYEE.id, role=Role.EMPLOYEE, source=Source.API)
FITNESS, ADJUSTMENTS, HR = (ReportScope.FITNESS_TO_MANAGER, ReportScope.ADJUSTMENTS_TO_MANAGER,
                            ReportScope.ADVICE_TO_HR)
SIGNED = {"on": date(2026, 11, 20), "evidence": "consent form signed at the consultation"}


def act(state: CaseState, command: BaseModel, actor: Actor, now: datetime
        ) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, command, now=now, actor=actor)
    for event in events:
        state = evolve(state, event)
    return state, events


def assessed(practice: int = PRACTICE_V4, **policy: object) -> CaseState:
    state = opened_state(OPENED).model_copy(update={"practice": practice})
    if policy:
        state = state.model_copy(update={"policy": state.policy.model_copy(update=policy)})
    state, _ = act(state, j.early_contact(ASSESSED), MANAGER_ACTOR, ASSESSED)
    state, _ = act(state, j.assessment(ASSESSED), OH_ACTOR, ASSESSED)
    return state


def fire(state: CaseState, name: str, now: datetime) -> tuple[CaseState, list[CaseEvent]]:
    [deadline] = [d for d in open_deadlines(state) if d.name == name]
    assert deadline.due_at <= now
    return act(state, DeadlinePassed(key=deadline.key), TIMER_ACTOR, now)


def offered(**policy: object) -> CaseState:
    state, _ = fire(assessed(**policy), "report_offered", ASSESSED)
    return state


def signed_by_oh(state: CaseState, *scopes: ReportScope) -> CaseState:
    state, _ = act(state, GiveConsent(assessment_number=1, scopes=list(scopes), **SIGNED),
                   OH_ACTOR, ASSESSED + timedelta(minutes=5))
    return state


def shown(state: CaseState, role: Role, now: datetime | None) -> tuple[bool, bool]:
    advice = advice_shown(state, role, now=now)
    assert advice is not None
    return advice.fitness, advice.adjustments


def test_a_case_opened_today_has_the_comment_window() -> None:
    assert CURRENT_PRACTICE >= PRACTICE_V4
    assert has_comment_window(opened_state(OPENED))
    assert not has_comment_window(opened_state(OPENED).model_copy(
        update={"practice": PRACTICE_V3}))


def test_the_report_is_offered_to_the_employee_as_soon_as_it_is_recorded() -> None:
    state = assessed()
    [offer] = [d for d in open_deadlines(state) if d.name == "report_offered"]
    assert offer.due_at == ASSESSED

    before = state
    state, [event] = fire(state, "report_offered", ASSESSED)

    assert isinstance(event, ReportOffered)
    # The employee's own: HR's webhook hears nothing of it.
    assert hr_update_for(before, state, event, notices=notices_for(state, event)) is None
    assert event.window_ends_at == WINDOW_ENDS
    [notice] = notices_for(state, event)
    assert (notice.kind, notice.recipient_role, notice.recipient_id, notice.due_at) == (
        NoticeKind.REPORT_OFFERED, Role.EMPLOYEE, EMPLOYEE.id, WINDOW_ENDS)
    assert [d.due_at for d in open_deadlines(state) if d.name == "report_comment_window"] == [
        WINDOW_ENDS]


def test_a_consent_oh_recorded_at_the_consultation_waits_for_the_window() -> None:
    state = signed_by_oh(offered(), FITNESS, ADJUSTMENTS)

    assert shown(state, Role.MANAGER, WINDOW_ENDS - timedelta(seconds=1)) == (False, False)
    status = consent_status(state, Role.MANAGER, now=WINDOW_ENDS - timedelta(seconds=1))
    assert status is not None and status.status is ConsentStatus.PENDING
    assert shown(state, Role.MANAGER, WINDOW_ENDS) == (True, True)
    status = consent_status(state, Role.MANAGER, now=WINDOW_ENDS)
    assert status is not None and status.status is ConsentStatus.GIVEN


def test_without_a_clock_the_window_passes_when_its_end_is_recorded() -> None:
    state = signed_by_oh(offered(), FITNESS)
    assert shown(state, Role.MANAGER, None) == (False, False)

    state, [closed] = fire(state, "report_comment_window", WINDOW_ENDS)

    assert isinstance(closed, CommentWindowClosed)
    assert shown(state, Role.MANAGER, None) == (True, False)  # only within the scope
    assert not [d for d in open_deadlines(state) if d.name.startswith("report_")]


def test_the_employees_own_consent_after_reading_releases_at_once() -> None:
    state, _ = act(offered(), GiveConsent(assessment_number=1, scopes=[FITNESS]), ME,
                   ASSESSED + timedelta(hours=1))

    assert shown(state, Role.MANAGER, ASSESSED + timedelta(hours=1)) == (True, False)
    assert shown(state, Role.MANAGER, None) == (True, False)
    assert not [d for d in open_deadlines(state) if d.name == "report_comment_window"]


def test_no_comments_from_the_employee_ends_the_window_early() -> None:
    state = signed_by_oh(offered(), HR)
    state, _ = act(state, AgreeToReport(assessment_number=1), ME, ASSESSED + timedelta(hours=3))

    assert shown(state, Role.HR, ASSESSED + timedelta(hours=3)) == (True, True)
    assert shown(state, Role.MANAGER, ASSESSED + timedelta(hours=3)) == (False, False)
    with pytest.raises(InvalidCommand, match="already agreed"):
        decide(state, AgreeToReport(assessment_number=1), now=WINDOW_ENDS, actor=ME)


def test_agreement_without_consent_releases_nothing() -> None:
    state, _ = act(offered(), AgreeToReport(assessment_number=1), ME, ASSESSED)

    for role in (Role.MANAGER, Role.HR):
        assert shown(state, role, WINDOW_ENDS + timedelta(days=30)) == (False, False)


def test_nothing_is_released_before_the_report_is_offered() -> None:
    state, _ = act(assessed(), GiveConsent(assessment_number=1, scopes=[FITNESS]), ME,
                   ASSESSED)

    assert not window_over(state, 1, WINDOW_ENDS + timedelta(days=30))
    assert shown(state, Role.MANAGER, WINDOW_ENDS + timedelta(days=30)) == (False, False)
    state, _ = fire(state, "report_offered", ASSESSED)
    assert shown(state, Role.MANAGER, ASSESSED) == (True, False)


def test_a_withdrawal_after_the_window_hides_the_advice_again() -> None:
    state = signed_by_oh(offered(), FITNESS, ADJUSTMENTS)
    state, _ = fire(state, "report_comment_window", WINDOW_ENDS)
    state, _ = act(state, WithdrawConsent(assessment_number=1, scopes=[ADJUSTMENTS]), ME,
                   WINDOW_ENDS + timedelta(days=1))

    assert shown(state, Role.MANAGER, WINDOW_ENDS + timedelta(days=1)) == (True, False)


def test_hr_hears_the_advice_when_the_window_closes_and_its_withdrawal() -> None:
    before = offered()
    state = signed_by_oh(before, HR)
    [consent] = decide(before, GiveConsent(assessment_number=1, scopes=[HR], **SIGNED),
                       now=ASSESSED, actor=OH_ACTOR)
    at_consent = hr_update_for(before, state, consent)
    assert at_consent is None or "fitness_advice" not in [c.kind for c in at_consent.changes]

    closed_state, [closed] = fire(state, "report_comment_window", WINDOW_ENDS)
    update = hr_update_for(state, closed_state, closed)
    assert update is not None and [c.kind for c in update.changes] == ["fitness_advice"]

    withdrawn_state, [withdrawal] = act(closed_state, WithdrawConsent(
        assessment_number=1, scopes=[HR]), ME, WINDOW_ENDS + timedelta(days=1))
    update = hr_update_for(closed_state, withdrawn_state, withdrawal)
    assert update is not None and [c.kind for c in update.changes] == ["advice_withdrawn"]


def test_a_policy_without_a_window_releases_on_the_offer() -> None:
    state = signed_by_oh(offered(report_comment_window_working_days=0), FITNESS)

    assert shown(state, Role.MANAGER, None) == (True, False)
    assert not [d for d in open_deadlines(state) if d.name == "report_comment_window"]


def test_cases_before_version_4_keep_releasing_on_consent_and_refuse_no_comments() -> None:
    state = signed_by_oh(assessed(practice=PRACTICE_V3), FITNESS)

    assert not [d for d in open_deadlines(state) if d.name.startswith("report_")]
    assert shown(state, Role.MANAGER, None) == (True, False)
    with pytest.raises(PreconditionNotMet, match="practice version 3"):
        decide(state, AgreeToReport(assessment_number=1), now=ASSESSED, actor=ME)


def test_oh_records_the_employees_written_no_comments_and_nobody_else_says_it() -> None:
    from domain.errors import RoleNotAllowed

    state = signed_by_oh(offered(), FITNESS)
    with pytest.raises(InvalidCommand, match="evidence"):
        decide(state, AgreeToReport(assessment_number=1), now=ASSESSED, actor=OH_ACTOR)
    state, [agreed] = act(state, AgreeToReport(
        assessment_number=1, on=date(2026, 11, 20), evidence="email: no comments"), OH_ACTOR,
        ASSESSED + timedelta(hours=4))
    assert "recorded by OH" in agreed.reason
    assert shown(state, Role.MANAGER, None) == (True, False)
    with pytest.raises(RoleNotAllowed):
        decide(offered(), AgreeToReport(assessment_number=1), now=ASSESSED,
               actor=MANAGER_ACTOR)


@given(offered_at=st.datetimes(min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis: naive bounds)
                               max_value=datetime(2027, 12, 1),  # noqa: DTZ001
                               timezones=st.just(UTC)),
       days=st.integers(min_value=0, max_value=10))
def test_the_window_ends_at_the_end_of_its_last_working_day(offered_at: datetime,
                                                            days: int) -> None:
    state = opened_state(OPENED)
    state = state.model_copy(update={"policy": state.policy.model_copy(
        update={"report_comment_window_working_days": days})})
    policy = state.policy

    ends = comment_window_ends_at(state, offered_at)

    if days == 0:
        assert ends == offered_at
        return
    assert ends > offered_at
    last = london_date(ends)
    assert is_working_day(last, policy.non_working_days)
    between = [london_date(offered_at) + timedelta(days=n)
               for n in range(1, (last - london_date(offered_at)).days + 1)]
    assert sum(is_working_day(day, policy.non_working_days) for day in between) == days


# -- consent to whom: the GP too (practice version 4) ----------------------------------------

def test_oh_writes_to_the_gp_only_on_the_employees_consent_after_the_window() -> None:
    from domain.disclosure import may_write_to_gp

    gp = ReportScope.ADVICE_TO_GP
    state = signed_by_oh(offered(), gp)
    assert not may_write_to_gp(state, now=WINDOW_ENDS - timedelta(seconds=1))
    assert may_write_to_gp(state, now=WINDOW_ENDS)
    assert shown(state, Role.MANAGER, WINDOW_ENDS) == (False, False)  # the GP's scope only
    status = consent_status(state, Role.OH, now=WINDOW_ENDS)
    assert status is not None and status.scopes is not None
    assert status.scopes[gp] is ConsentStatus.GIVEN

    state, _ = act(state, WithdrawConsent(assessment_number=1, scopes=[gp]), ME, WINDOW_ENDS)
    assert not may_write_to_gp(state, now=WINDOW_ENDS + timedelta(days=1))


def test_consent_to_the_gp_is_not_recorded_on_cases_before_version_4() -> None:
    state = assessed(practice=PRACTICE_V3)
    with pytest.raises(InvalidCommand, match="practice version 4"):
        decide(state, GiveConsent(assessment_number=1, scopes=[ReportScope.ADVICE_TO_GP],
                                  **SIGNED), now=ASSESSED, actor=OH_ACTOR)
    status = consent_status(state, Role.OH)
    assert status is not None and status.scopes is not None
    assert ReportScope.ADVICE_TO_GP not in status.scopes


# -- one rule: HR's webhook and HR's view of the case never disagree -------------------------

_STEPS = ("oh_consents", "employee_consents", "withdraws", "agrees", "window_closes")


@given(steps=st.lists(st.sampled_from(_STEPS), max_size=8),
       practice=st.sampled_from([PRACTICE_V3, PRACTICE_V4]))
def test_hrs_webhook_holds_the_advice_exactly_when_hrs_view_shows_it(
        steps: list[str], practice: int) -> None:
    from api.views import case_for
    from domain.deadlines import outstanding_deadlines
    from domain.errors import CaseError
    from infra.tokens import Principal
    from workflows.payloads import CaseView

    hr = Principal(subject="hr", role=Role.HR)
    state = assessed(practice=practice)
    if practice >= PRACTICE_V4:
        state = offered()
    held = False  # what HR's webhook has told HR so far
    at = ASSESSED + timedelta(minutes=10)
    for step in steps:
        if step == "window_closes":
            if not [d for d in open_deadlines(state) if d.name == "report_comment_window"]:
                continue
            at = max(at, WINDOW_ENDS)
            before, (state, events) = state, fire(state, "report_comment_window", at)
        else:
            command: BaseModel = {
                "oh_consents": GiveConsent(assessment_number=1, scopes=[HR], **SIGNED),
                "employee_consents": GiveConsent(assessment_number=1, scopes=[HR]),
                "withdraws": WithdrawConsent(assessment_number=1, scopes=[HR]),
                "agrees": AgreeToReport(assessment_number=1),
            }[step]
            actor = OH_ACTOR if step == "oh_consents" else ME
            before = state
            try:
                state, events = act(state, command, actor, at)
            except CaseError:
                continue
        for event in events:
            update = hr_update_for(before, state, event)
            kinds = [c.kind for c in update.changes] if update else []
            held = (held or "fitness_advice" in kinds) and "advice_withdrawn" not in kinds
        view = CaseView(state=state, deadlines=outstanding_deadlines(state), allowed_actions=[])
        assert held == (case_for(view, hr, now=at).fitness_advice is not None), steps
        at += timedelta(minutes=1)


def test_hr_hears_of_the_self_help_route_only_on_cases_before_version_4() -> None:
    from domain.journey.assessment import RecordAssessment
    from domain.vocabulary import Tier

    for practice, told in ((PRACTICE_V3, True), (PRACTICE_V4, False)):
        before = opened_state(OPENED).model_copy(update={"practice": practice})
        before, _ = act(before, j.early_contact(ASSESSED), MANAGER_ACTOR, ASSESSED)
        command = j.assessment(ASSESSED)
        assert isinstance(command, RecordAssessment)
        state, [event, *_] = act(before, command.model_copy(update={"tier": Tier.SELF_HELP}),
                                 OH_ACTOR, ASSESSED)
        update = hr_update_for(before, state, event, notices=notices_for(state, event))
        sent = [c.notice for c in update.changes if c.kind == "notice_sent"] if update else []
        assert (NoticeKind.SELF_HELP_GUIDANCE in sent) is told
