"""An absence seen against the employee's earlier ones: linked, recurring, or meeting a trigger.

Three rules read the earlier absences a case opened with (`Absence.previous_absences`, newest
first) and the employer's policy; only cases that follow practice version 3 ask them:

- **linked**: Statutory Sick Pay's linking rule (`domain.sick_pay.linking`): periods of
  incapacity for work not more than 8 weeks apart are one period (SSCBA 1992 s.152(3));
- **recurrence**: an earlier absence for the same reason category within the policy's
  `recurrence_interval_days` is flagged to OH (the category is OH's to read);
- **short-term absence triggers**: the episodes in a rolling 12 months, the Bradford factor
  over the rolling 52 weeks, or both (`Policy.short_term_trigger`). A trigger met *suggests* an
  attendance review or an OH referral (`Policy.short_term_trigger_suggests`): a notice and a
  line on the case, never a change of stage. Employers set these thresholds in their own
  attendance policies; ACAS's guidance on managing absence warns that a trigger should prompt
  a conversation, not an automatic sanction.

At the opening the new absence counts as one spell of one day: the triggers are heads-up
notices due when the case opens, not a running score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from enum import StrEnum

from domain.actors import Role
from domain.journey.base import Deadline
from domain.policy import Policy
from domain.practice import PRACTICE_V3, follows
from domain.sick_pay.linking import linked_periods
from domain.state import CaseState
from domain.values import PastAbsence, Value

EPISODE_WINDOW = timedelta(days=365)  # a rolling 12 months, the new absence's first day last
BRADFORD_WINDOW = timedelta(weeks=52)  # the Bradford factor's usual rolling 52 weeks

RECURRENCE = "absence_recurrence"
ATTENDANCE_REVIEW_SUGGESTED = "attendance_review_suggested"
OH_REFERRAL_SUGGESTED = "oh_referral_suggested"


class TriggerRule(StrEnum):
    """The short-term absence trigger a suggestion came from."""

    EPISODES = "episodes"
    BRADFORD = "bradford"


class Suggestion(StrEnum):
    """What a met trigger suggests; people decide."""

    ATTENDANCE_REVIEW = "attendance_review"
    OH_REFERRAL = "oh_referral"


SUGGESTION_DEADLINES = {
    Suggestion.ATTENDANCE_REVIEW: (ATTENDANCE_REVIEW_SUGGESTED, (Role.HR, Role.MANAGER)),
    Suggestion.OH_REFERRAL: (OH_REFERRAL_SUGGESTED, (Role.OH,)),
}
"""The heads-up deadline each suggestion is sent as, and to whom."""


class TriggerMet(Value):
    """A short-term absence trigger the new absence meets, and the rule that produced it."""

    rule: TriggerRule
    value: int
    threshold: int
    suggests: Suggestion

    @property
    def why(self) -> str:
        if self.rule is TriggerRule.EPISODES:
            return (f"{self.value} absences in the rolling 12 months, counting this one "
                    f"(policy trigger: {self.threshold})")
        return (f"Bradford factor {self.value} over the rolling 52 weeks "
                f"(policy trigger: {self.threshold})")


class AbsencePattern(Value):
    """What the earlier absences make of this one."""

    linked: tuple[PastAbsence, ...] = ()
    """The earlier absences that form one period of incapacity with this one, newest first."""
    recurrence: PastAbsence | None = None
    """The latest earlier absence for the same reason category within the policy's interval."""
    triggers: tuple[TriggerMet, ...] = ()

    @property
    def linked_to(self) -> PastAbsence | None:
        """The absence this one links to directly (the latest of the chain)."""
        return self.linked[0] if self.linked else None


def _earlier(first_day: date, previous: Iterable[PastAbsence]) -> list[PastAbsence]:
    """The absences that began before `first_day` (a later or same-day one is not earlier)."""
    return [a for a in previous if a.first_day < first_day]


def _days_in(absence: PastAbsence, start: date, end: date) -> int:
    """The calendar days of `absence` from `start` to `end` (both counted); one still going on
    is counted to `end`."""
    last = min(absence.last_day or end, end)
    first = max(absence.first_day, start)
    return max(0, (last - first).days + 1)


def episodes_in_window(first_day: date, previous: Sequence[PastAbsence]) -> int:
    """The absences with a day in the rolling 12 months to `first_day`, counting the new one."""
    start = first_day - EPISODE_WINDOW + timedelta(days=1)
    before = first_day - timedelta(days=1)
    return 1 + sum(1 for a in _earlier(first_day, previous) if _days_in(a, start, before) > 0)


def bradford_factor(first_day: date, previous: Sequence[PastAbsence]) -> int:
    """S squared times D over the rolling 52 weeks to `first_day`: S the spells, D the calendar days
    absent; the new absence is one spell of one day so far."""
    start = first_day - BRADFORD_WINDOW + timedelta(days=1)
    before = first_day - timedelta(days=1)
    days = [_days_in(a, start, before) for a in _earlier(first_day, previous)]
    spells = 1 + sum(1 for d in days if d > 0)
    return spells * spells * (1 + sum(days))


def recurrence_of(first_day: date, reason_category: str, previous: Sequence[PastAbsence],
                  interval_days: int) -> PastAbsence | None:
    """The latest earlier absence for the same reason category that began, ended or was still
    going on within `interval_days` before `first_day`."""
    start = first_day - timedelta(days=interval_days)
    same = [a for a in _earlier(first_day, previous)
            if a.reason_category == reason_category and (a.last_day or first_day) >= start]
    return max(same, key=lambda a: a.first_day, default=None)


def triggers_met(first_day: date, previous: Sequence[PastAbsence],
                 policy: Policy) -> tuple[TriggerMet, ...]:
    """The short-term absence triggers of `policy` that an absence from `first_day` meets."""
    suggests = Suggestion(policy.short_term_trigger_suggests)
    met: list[TriggerMet] = []
    if policy.short_term_trigger in ("episodes", "both"):
        episodes = episodes_in_window(first_day, previous)
        if episodes >= policy.trigger_episodes:
            met.append(TriggerMet(rule=TriggerRule.EPISODES, value=episodes,
                                  threshold=policy.trigger_episodes, suggests=suggests))
    if policy.short_term_trigger in ("bradford", "both"):
        factor = bradford_factor(first_day, previous)
        if factor >= policy.bradford_threshold:
            met.append(TriggerMet(rule=TriggerRule.BRADFORD, value=factor,
                                  threshold=policy.bradford_threshold, suggests=suggests))
    return tuple(met)


def absence_pattern(state: CaseState) -> AbsencePattern | None:
    """What the case's earlier absences make of it; None for a case without an absence or one
    that follows practice rules older than version 3."""
    absence = state.absence
    if absence is None or not follows(state, PRACTICE_V3):
        return None
    previous = absence.previous_absences
    return AbsencePattern(
        linked=linked_periods(absence.first_day, previous),
        recurrence=recurrence_of(absence.first_day, state.reason_category.value, previous,
                                 state.policy.recurrence_interval_days),
        triggers=triggers_met(absence.first_day, previous, state.policy),
    )


def deadlines(state: CaseState) -> list[Deadline]:
    """Heads-up notices due when the case opens: a recurrence to OH; each suggestion of a met
    trigger to those it is for. They ask nobody to do anything (not tasks)."""
    pattern = absence_pattern(state)
    if pattern is None:
        return []
    found: list[Deadline] = []
    if pattern.recurrence is not None:
        found.append(Deadline(
            key=RECURRENCE, name=RECURRENCE, due_at=state.opened_at, recipients=(Role.OH,),
            why=f"an earlier absence for the same reason category began "
            f"{pattern.recurrence.first_day.isoformat()}, within "
            f"{state.policy.recurrence_interval_days} days"))
    for suggestion in Suggestion:
        rules = [t for t in pattern.triggers if t.suggests is suggestion]
        if rules:
            name, recipients = SUGGESTION_DEADLINES[suggestion]
            found.append(Deadline(key=name, name=name, due_at=state.opened_at,
                                  recipients=recipients,
                                  why="short-term absence trigger met: "
                                  + "; ".join(t.why for t in rules)))
    return found


def merge_previous(own: Iterable[PastAbsence], reported: Iterable[PastAbsence],
                   *, limit: int) -> tuple[PastAbsence, ...]:
    """rtw's own earlier absences and those HR reported, newest first and at most `limit`:
    where both have an absence beginning the same day, rtw's own is kept."""
    merged = {a.first_day: a for a in reported}
    merged.update({a.first_day: a for a in own})
    return tuple(sorted(merged.values(), key=lambda a: a.first_day, reverse=True)[:limit])


def past_absence_of(state: CaseState) -> PastAbsence | None:
    """The case's absence as a later case sees it: its first day, its last day (the day before
    the return, or the leaving day; a case closed with neither ended on its closing day; None
    while the employee is still off) and its reason category. None without an absence."""
    absence = state.absence
    if absence is None:
        return None
    returned = absence.returned_on or (state.closure.returned_on if state.closure else None)
    if returned is not None:
        last: date | None = max(absence.first_day, returned - timedelta(days=1))
    elif state.left_on is not None:
        last = max(absence.first_day, state.left_on)
    elif state.closure is not None:
        last = max(absence.first_day, state.closure.closed_on)
    else:
        last = None
    return PastAbsence(first_day=absence.first_day, last_day=last,
                       reason_category=state.reason_category.value, case_id=state.case_id)
