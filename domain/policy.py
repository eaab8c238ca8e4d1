"""The employer's sickness-absence policy: every deadline is a versioned default."""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field

# England and Wales bank holidays; a policy may replace the list for another nation.
ENGLAND_AND_WALES_BANK_HOLIDAYS: tuple[date, ...] = (
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
    date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
    date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
    date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
)


class Policy(BaseModel):
    """One version of an employer's policy; the version in force is recorded on each case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(description="Stable name of this policy version, e.g. 'default-2026-04'.")
    effective_from: date = Field(description="First day this version applies to new cases.")
    contact_due_working_days: int = Field(
        default=1, ge=0, le=20,
        description="Working days after the absence is reported by which the line manager "
        "must make early contact (1 = by the end of the next working day).",
    )
    contact_escalation_working_days: int = Field(
        default=1, ge=1, le=20,
        description="Further working days after the contact deadline before HR is alerted.",
    )
    working_day_ends_at: time = Field(
        default=time(17, 0), description="London wall-clock time at which a working day ends."
    )
    non_working_days: tuple[date, ...] = Field(
        default=ENGLAND_AND_WALES_BANK_HOLIDAYS,
        description="Bank holidays and other closure days that are not working days.",
    )


DEFAULT_POLICY = Policy(version="default-2026-04", effective_from=date(2026, 4, 6))
