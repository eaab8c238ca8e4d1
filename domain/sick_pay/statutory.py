"""Statutory Sick Pay (SSP) as dated rules: when it starts, when it ends, when form SSP1 is due.

The rule in force on each day applies (`RULES_FROM_2026_04_06` is the day the Employment Rights
Act 2025 changes took effect), so one period of incapacity for work (PIW) spanning 6 April 2026
has waiting days only on its qualifying days before that day.

Before 6 April 2026:
- No SSP for the first three qualifying days of a PIW, the waiting days (Social Security
  Contributions and Benefits Act 1992 (SSCBA), s.155(1)). Linked PIWs are one PIW (s.152(3)),
  so the waiting days are served once in a linked chain.
- No SSP for an employee whose average weekly earnings are below the lower earnings limit
  (LEL) of the tax year (SSCBA Sch. 11 para 2(c)); the test reads the average weekly earnings HR
  sent, against the LEL of the tax year in which the linked PIW began. Unknown earnings pass.
From 6 April 2026 (Employment Rights Act 2025, s.10 (removal of the waiting period) and its
removal of the LEL, brought into force by SI 2026/373): SSP is paid from the first qualifying day
and the earnings test is gone.

Always: at most 28 weeks' SSP in one (linked) PIW (SSCBA s.155(4)), counted here as 28 times the
qualifying days of a week (s.154: the days the employer and employee agree; Monday to Friday
unless HR says otherwise). The qualifying days already paid in the earlier linked absences (from
their dates, by the same rules) reduce what is left.

Form SSP1 (HMRC's employer guidance on SSP): given by the start of the 23rd week of SSP when SSP
will run out while the employee is still sick; within 7 days of the employee going off sick when
they are not entitled; and, where the linked PIW had already passed the start of week 23 when this
absence began, within 7 days of its first day (rtw's reading of the guidance's "within 7 days"
rule for SSP that will end before the employer could give the form at week 23).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from domain.sick_pay.linking import LINKED_PIW_LIMIT_YEARS, linked_periods
from domain.values import Employment, PastAbsence

RULES_FROM_2026_04_06 = date(2026, 4, 6)
"""The first day of the Employment Rights Act 2025's SSP rules (no waiting days, no LEL)."""

WAITING_DAYS = 3  # SSCBA 1992 s.155(1), until 5 April 2026
MAX_WEEKS = 28  # SSCBA 1992 s.155(4)
SSP1_WEEK = 23  # HMRC: SSP1 by the beginning of the 23rd week
SSP1_WITHIN_DAYS = 7  # HMRC: SSP1 within 7 days
DEFAULT_QUALIFYING_DAYS = (1, 2, 3, 4, 5)  # Monday to Friday (ISO weekday numbers)

# The lower earnings limit per week, in pence, by the tax year (6 April to 5 April) it applies
# to, named by its first calendar year. HMRC's published rates; no LEL from 6 April 2026.
LOWER_EARNINGS_LIMIT_PENCE = {
    2020: 12_000, 2021: 12_000, 2022: 12_300, 2023: 12_300, 2024: 12_300, 2025: 12_500,
}

SSCBA = "Social Security Contributions and Benefits Act 1992"
ERA_2025 = "Employment Rights Act 2025, s.10 and the removal of the lower earnings limit"
HMRC_SSP1 = "HMRC employer guidance on Statutory Sick Pay: form SSP1"


class RuledDate(BaseModel):
    """A date a sick-pay rule produced, with the rule in words and where the rule comes from."""

    model_config = ConfigDict(frozen=True)

    on: date
    rule: str
    source: str


class SspDates(BaseModel):
    """Statutory Sick Pay for one absence, as the rules in force on each day give it."""

    model_config = ConfigDict(frozen=True)

    entitled: bool
    why_not: str | None = None
    """Why no SSP is paid in this absence, when it is not."""
    starts_on: RuledDate | None = None
    """The first day SSP is paid in this absence."""
    ends_on: RuledDate | None = None
    """The last day SSP is paid, if the employee stays off sick ("SSP ends on"); None when the
    absence ends first."""
    ssp1_due_on: RuledDate | None = None
    """The day form SSP1 is due by; None when SSP will not run out while the employee is off."""
    paid_before: int = 0
    """Qualifying days of SSP already paid in the earlier linked absences."""
    max_days: int = 0
    """The qualifying days of SSP a linked PIW pays at most (28 weeks)."""


def tax_year(day: date) -> int:
    """The UK tax year of `day`, named by its first calendar year (6 April to 5 April)."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def lower_earnings_limit(day: date) -> int | None:
    """The LEL per week in pence on `day`; None from 6 April 2026 (abolished) and for tax
    years rtw has no figure for (the earnings test is then not applied)."""
    if day >= RULES_FROM_2026_04_06:
        return None
    return LOWER_EARNINGS_LIMIT_PENCE.get(tax_year(day))


def qualifying_weekdays(employment: Employment | None) -> frozenset[int]:
    """The ISO weekdays SSP is paid for (SSCBA s.154): HR's, else Monday to Friday."""
    days = employment.qualifying_days if employment is not None else None
    chosen = frozenset(d for d in days or () if 1 <= d <= 7)
    return chosen or frozenset(DEFAULT_QUALIFYING_DAYS)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _earnings_below_lel(employment: Employment | None, piw_start: date) -> bool:
    earnings = employment.average_weekly_earnings_pence if employment is not None else None
    limit = lower_earnings_limit(piw_start)
    return earnings is not None and limit is not None and earnings < limit


class _Walk:
    """SSP day by day through one linked PIW: waiting days served, qualifying days paid."""

    def __init__(self, qualifying: frozenset[int], below_lel: bool, max_days: int) -> None:
        self.qualifying, self.below_lel, self.max_days = qualifying, below_lel, max_days
        self.waiting_served = 0
        self.paid = 0

    def pays(self, day: date) -> bool:
        """Whether SSP is paid for `day` (counting it when it is)."""
        if day.isoweekday() not in self.qualifying or self.paid >= self.max_days:
            return False
        if day < RULES_FROM_2026_04_06:
            if self.below_lel:
                return False  # Sch. 11 para 2(c): no period of entitlement at all
            if self.waiting_served < WAITING_DAYS:
                self.waiting_served += 1  # s.155(1)
                return False
        self.paid += 1
        return True


def _waiting_rule(day: date) -> str:
    if day < RULES_FROM_2026_04_06:
        return ("paid from the fourth qualifying day of the (linked) period of incapacity: the "
                "first three are waiting days")
    return "paid from the first qualifying day (no waiting days from 6 April 2026)"


def _waiting_source(day: date) -> str:
    return f"{SSCBA}, s.155(1)" if day < RULES_FROM_2026_04_06 else ERA_2025


def ssp_dates(first_day: date, previous: Sequence[PastAbsence] = (), *,
              employment: Employment | None = None, last_day: date | None = None) -> SspDates:
    """SSP for an absence starting `first_day` (taken to be a PIW), the employee's earlier
    absences `previous` (those that link count toward the 28 weeks), what HR says of the
    employment, and the absence's last day when known (None: still off sick)."""
    qualifying = qualifying_weekdays(employment)
    max_days = MAX_WEEKS * len(qualifying)
    chain = tuple(reversed(linked_periods(first_day, previous)))  # oldest first
    piw_start = chain[0].first_day if chain else first_day
    walk = _Walk(qualifying, _earnings_below_lel(employment, piw_start), max_days)
    for earlier in chain:
        assert earlier.last_day is not None  # noqa: S101 - linked periods have ended
        for day in _days(earlier.first_day, earlier.last_day):
            walk.pays(day)
    paid_before = walk.paid
    ssp1_at = (SSP1_WEEK - 1) * len(qualifying) + 1  # the first paid day of week 23
    horizon = _years_after(piw_start, LINKED_PIW_LIMIT_YEARS) - timedelta(days=1)
    end = min(last_day, horizon) if last_day is not None else horizon
    starts_on: date | None = None
    ends_on: date | None = None
    week_23: date | None = None
    for day in _days(first_day, end):
        if not walk.pays(day):
            if walk.paid >= max_days:
                break
            continue
        starts_on = starts_on or day
        if walk.paid == ssp1_at:
            week_23 = day
        if walk.paid == max_days:
            ends_on = day
            break
    common = {"paid_before": paid_before, "max_days": max_days}
    if starts_on is None:
        return SspDates(entitled=False, why_not=_why_not(walk, paid_before, max_days, end,
                                                         first_day),
                        ssp1_due_on=_ssp1_not_entitled(first_day, walk, last_day), **common)
    return SspDates(
        entitled=True,
        starts_on=RuledDate(on=starts_on, rule=_waiting_rule(starts_on),
                            source=_waiting_source(starts_on)),
        ends_on=None if ends_on is None else RuledDate(
            on=ends_on, rule=f"the last of {MAX_WEEKS} weeks' SSP ({max_days} qualifying days"
            f" of {len(qualifying)} a week)" + (
                f", less {paid_before} already paid in linked earlier absences"
                if paid_before else ""), source=f"{SSCBA}, s.155(4) and s.152(3)"),
        ssp1_due_on=_ssp1_due(first_day, week_23, ends_on, paid_before, ssp1_at),
        **common)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _why_not(walk: _Walk, paid_before: int, max_days: int, end: date, first_day: date) -> str:
    if paid_before >= max_days:
        return (f"the linked period of incapacity has already paid {MAX_WEEKS} weeks' SSP "
                f"({SSCBA}, s.155(4))")
    if walk.below_lel and end < RULES_FROM_2026_04_06:
        return (f"average weekly earnings below the lower earnings limit ({SSCBA}, Sch. 11 "
                "para 2(c))")
    if end < first_day:
        return "the absence has no day to pay"
    return (f"no qualifying day after the waiting days ({SSCBA}, s.155(1)) before the absence "
            "ended")


def _ssp1_not_entitled(first_day: date, walk: _Walk, last_day: date | None) -> RuledDate | None:
    """No SSP at all: SSP1 within 7 days of going off sick, when the reason is one the form
    is for (earnings, or SSP used up); an absence that ended within its waiting days needs
    none."""
    if walk.below_lel or walk.paid >= walk.max_days or last_day is None:
        return RuledDate(on=first_day + timedelta(days=SSP1_WITHIN_DAYS),
                         rule="not entitled to SSP: form SSP1 within 7 days of going off sick",
                         source=HMRC_SSP1)
    return None


def _ssp1_due(first_day: date, week_23: date | None, ends_on: date | None, paid_before: int,
              ssp1_at: int) -> RuledDate | None:
    if ends_on is None:
        return None  # SSP does not run out while the employee is off sick
    if week_23 is not None:
        return RuledDate(on=week_23, rule="SSP will run out while the employee is still sick: "
                         "form SSP1 by the first qualifying day of the 23rd week of SSP",
                         source=HMRC_SSP1)
    if paid_before >= ssp1_at:
        return RuledDate(on=first_day + timedelta(days=SSP1_WITHIN_DAYS),
                         rule="the linked period of incapacity was past the start of week 23 "
                         "when this absence began: form SSP1 within 7 days of its first day",
                         source=HMRC_SSP1)
    return None
