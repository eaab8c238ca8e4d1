"""What a case keeps of its OH appointments: the ones still to come, and counts of the rest.

The state stays bounded (a case may run for years): it holds at most `MAX_UPCOMING` booked
appointments, each removed once its outcome is recorded, and counts of what became of them.
The event store keeps every booking, move and outcome. The vocabulary of appointments lives here
too, because the state, the commands and the events all speak it (`domain.journey.appointments`
holds the rules).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.values import Value

MAX_UPCOMING = 10
"""Booked appointments a case may hold at once: a further booking is refused, not dropped."""


class AppointmentMethod(StrEnum):
    """How the appointment takes place."""

    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"


class AppointmentPurpose(StrEnum):
    """What the appointment is for; no clinical detail."""

    FIRST_CONSULTATION = "first_consultation"
    REVIEW = "review"
    RETURN_TO_WORK_REVIEW = "return_to_work_review"
    CASE_CONFERENCE = "case_conference"
    OTHER = "other"


class AppointmentOutcome(StrEnum):
    """What became of an appointment."""

    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED_BY_EMPLOYEE = "cancelled_by_employee"
    CANCELLED_BY_SERVICE = "cancelled_by_service"


HELD_OUTCOMES = frozenset({AppointmentOutcome.ATTENDED, AppointmentOutcome.DID_NOT_ATTEND})
"""Outcomes known only once the appointment's time has come."""


class MissedAppointmentsDecision(StrEnum):
    """What OH decides once the employee has missed the policy's number of appointments."""

    REBOOK = "rebook"  # offer further appointments; the count of missed ones starts again
    DISCHARGE = "discharge"  # discharge from OH; the manager manages the absence by policy
    CLOSE = "close"  # close the case as withdrawn


class Professional(Value):
    """The professional the employee sees, as the booking named them."""

    id: str
    name: str
    profession: str = Field(description="e.g. OH nurse, OH physician, physiotherapist")


class Appointment(Value):
    """One booked appointment whose outcome is not yet recorded."""

    number: int
    at: AwareDatetime
    method: AppointmentMethod
    professional: Professional
    purpose: AppointmentPurpose
    booked_at: AwareDatetime
    moves: int = 0


class AppointmentBook(BaseModel):
    """The case's appointments: those to come, and counts of what became of the others."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    upcoming: tuple[Appointment, ...] = Field(
        default=(), description=f"Booked and not yet held or cancelled (at most {MAX_UPCOMING})."
    )
    booked: int = 0
    attended: int = 0
    did_not_attend: int = 0
    cancelled_by_employee: int = 0
    cancelled_by_service: int = 0
    missed_in_a_row: int = Field(
        default=0, description="Did-not-attends since the last attended appointment or the "
        "last decision OH made about them.")
    first_consultation_at: AwareDatetime | None = Field(
        default=None, description="When the first appointment attended at or after the "
        "referral to OH took place.")
    decision_due_at: AwareDatetime | None = Field(
        default=None, description="Set while OH must decide what follows missed appointments.")
    decisions: int = Field(default=0, description="Decisions OH made after missed appointments.")
    discharged_at: AwareDatetime | None = Field(
        default=None, description="When OH discharged the employee after missed appointments.")

    def find(self, number: int) -> Appointment | None:
        return next((a for a in self.upcoming if a.number == number), None)
