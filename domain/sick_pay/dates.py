"""A case's sick pay as dates: Statutory Sick Pay and the employer's contractual scheme.

Only for cases following practice version 3 (`domain.practice`) that are absences. The
contractual dates come from the day counts HR sent with the absence when it sent them (they win:
HR knows what it has already paid), else from the policy's scheme (`Policy.contractual_sick_pay`)
and the service start HR sent; SSP from its dated rules (`domain.sick_pay.statutory`).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from domain.practice import PRACTICE_V3, follows
from domain.sick_pay.agenda_for_change import afc_dates
from domain.sick_pay.statutory import RuledDate, SspDates, ssp_dates
from domain.state import CaseState

AS_HR_SENT = "HR's sick pay day counts sent with the absence"


class SickPayDates(BaseModel):
    """When each kind of sick pay drops or ends for the case's absence, each date with its
    rule. The contractual dates are None when the scheme is 'none', or when neither HR's day
    counts nor the service start are known."""

    model_config = ConfigDict(frozen=True)

    full_pay_ends_on: RuledDate | None = None
    half_pay_ends_on: RuledDate | None = None
    ssp: SspDates

    @property
    def half_pay_from(self) -> RuledDate | None:
        """The first day on half pay: the warnings say when pay drops."""
        return _next_day(self.full_pay_ends_on)

    @property
    def nil_pay_from(self) -> RuledDate | None:
        """The first day with no contractual sick pay."""
        return _next_day(self.half_pay_ends_on)

    @property
    def ssp_stops_from(self) -> RuledDate | None:
        """The first day with no Statutory Sick Pay (the day after its last paid day)."""
        return _next_day(self.ssp.ends_on)


def _next_day(ruled: RuledDate | None) -> RuledDate | None:
    return None if ruled is None else ruled.model_copy(
        update={"on": ruled.on + timedelta(days=1)})


def sick_pay_dates(state: CaseState) -> SickPayDates | None:
    """The case's sick pay dates; None for a case before practice version 3 or with no
    absence."""
    absence = state.absence
    if absence is None or not follows(state, PRACTICE_V3):
        return None
    last_day = absence.returned_on - timedelta(days=1) if absence.returned_on else None
    ssp = ssp_dates(absence.first_day, absence.previous_absences,
                    employment=absence.employment, last_day=last_day)
    pay = absence.sick_pay
    if pay is not None:
        full_end = absence.first_day + timedelta(days=pay.full_pay_days - 1)
        return SickPayDates(
            full_pay_ends_on=RuledDate(on=full_end, rule=f"{pay.full_pay_days} day(s) of full "
                                       "pay, as HR sent", source=AS_HR_SENT),
            half_pay_ends_on=RuledDate(on=full_end + timedelta(days=pay.half_pay_days),
                                       rule=f"then {pay.half_pay_days} day(s) of half pay, as "
                                       "HR sent", source=AS_HR_SENT),
            ssp=ssp)
    service_start = absence.employment.service_start if absence.employment else None
    if state.policy.contractual_sick_pay != "agenda_for_change" or service_start is None:
        return SickPayDates(ssp=ssp)
    contractual = afc_dates(absence.first_day, service_start, absence.previous_absences)
    return SickPayDates(full_pay_ends_on=contractual.full_pay_ends_on,
                        half_pay_ends_on=contractual.half_pay_ends_on, ssp=ssp)
