"""Erasure: the record that a case's personal data was destroyed, saying that, when and why.

The case's data key is destroyed (crypto-shredding, `eventstore.subject_keys`): its earlier
events keep their audit fields and verify, but their content no longer opens. This event is
appended after them in clear, and holds no personal data: not what was erased, only that it
was, why (the erasure request's reason, or the retention rule), who asked, and how.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.journey.base import Event, Evolution, unchanged

ErasureGround = Literal["erasure_request", "retention"]


class CaseDataErased(Event):
    """The case's personal data was erased: its events read as erased from now on."""

    type: Literal["CaseDataErased"] = "CaseDataErased"
    ground: ErasureGround = Field(
        description="Why: a data subject's erasure request (UK GDPR Art. 17) or the end of "
        "the employer's retention period (Art. 5(1)(e)).")
    requested_by: str = Field(description="Who asked for the erasure (an operator, or the "
                              "retention schedule).")
    events_erased: int = Field(ge=0, description="How many earlier events were made unreadable.")
    method: Literal["data_key_destroyed"] = "data_key_destroyed"
    resealed_events: int = Field(
        default=0, ge=0,
        description="Events stored before cases had data keys, sealed under a new data key "
        "and their chain re-signed (after it verified) just before that key was destroyed.")


# The case's state does not change: nothing of the case can be read after it anyway.
EVOLUTION: Evolution = {CaseDataErased: unchanged}
