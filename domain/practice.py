"""Which version of the practice rules a case follows.

The rules of the journey grow: a decision that used to be only recorded comes to cause what OH
practice expects of it (a tier routes the case, a confirmed escalation sets a review, a return
found not sustained reopens the journey). A running case must keep the rules it started under,
or its workflow would decide differently on replay and its audit replay would disagree with
what happened. So each case records, on its opening event, the practice version it follows;
every rule added since asks `follows(state, VERSION)` before it acts.

Version 0: the journey as it was before the practice rules (every case opened before them).
Version 1: the practice rules of triage, appointments, ownership, notes and consequences.
Version 2: report first to the employee. The consent OH records with an assessment is what OH
proposes to release; the manager and HR see the advice only once the employee has given their
own consent to it (`domain.journey.report_consent`), and no longer once they withdraw it.
Version 3: the person over time. Sick pay dates come from rules (Statutory Sick Pay and the
employer's contractual scheme) rather than from HR's day counts; the absence is read beside the
employee's earlier ones (linked periods, recurrences, short-term absence triggers).
Version 4: the report's comment window. Once OH offers the report to the employee, what their
consent releases reaches the manager or HR only after the policy's comment window has passed or
the employee has agreed to it (their own consent after reading it, or "no comments"); GP and
specialist reports follow the Access to Medical Reports Act 1988 (`domain.journey.medical_reports`).
"""

from __future__ import annotations

from typing import Protocol

PRACTICE_V1 = 1
PRACTICE_V2 = 2
PRACTICE_V3 = 3
PRACTICE_V4 = 4
CURRENT_PRACTICE = PRACTICE_V4
"""The version a case opened today follows."""


class _FollowsPractice(Protocol):
    @property
    def practice(self) -> int: ...


def follows(state: _FollowsPractice, version: int = PRACTICE_V1) -> bool:
    """Whether the case follows the practice rules of `version` (or later)."""
    return state.practice >= version


def reports_first_to_employee(state: _FollowsPractice) -> bool:
    """Whether an OH report is released only by the employee's own consent (version 2 on)."""
    return follows(state, PRACTICE_V2)


def has_comment_window(state: _FollowsPractice) -> bool:
    """Whether a consented report waits for the employee's comment window (version 4 on)."""
    return follows(state, PRACTICE_V4)
