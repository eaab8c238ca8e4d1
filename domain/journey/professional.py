"""The named OH professional behind a decision with real effect on a person (an assessment, the
confirmation of an escalation): no solely automated decision, and no anonymous one.

The API fills the professional from the signed-in user (the token registry names each
principal, their profession and registration number); other callers name them in the body.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import Field

from domain.actors import PRINTABLE
from domain.errors import InvalidCommand
from domain.journey.base import SHORT, Command


class Professional(Command):
    """The input form of `values.Assessor`: who the professional is, as the body may name them."""

    id: str = Field(min_length=1, max_length=100, pattern=PRINTABLE,
                    description="Their user id: the signed-in user's subject.")
    name: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE)
    profession: str = Field(min_length=1, max_length=100, pattern=PRINTABLE,
                            description="e.g. OH nurse, OH physician")
    registration: str | None = Field(
        default=None, min_length=1, max_length=50, pattern=PRINTABLE,
        description="Their professional registration number (NMC, GMC...), when they have one.")


def describe(professional: Professional) -> str:
    """How the record names them in a reason: name, profession and registration."""
    registration = f", {professional.registration}" if professional.registration else ""
    return f"{professional.name} ({professional.profession}{registration})"


class _NamesTheConfirmer(Protocol):
    @property
    def confirmed_by(self) -> str | None: ...
    @property
    def professional(self) -> Professional | None: ...


def confirming_professional(command: _NamesTheConfirmer) -> str:
    """Who confirms, as the record names them: the professional (the signed-in user, through
    the API), else the name the body gave; refuses a confirmation by nobody."""
    if command.professional is not None:
        return describe(command.professional)
    if command.confirmed_by is None:
        raise InvalidCommand("confirmed_by", "name the OH professional who confirms (through "
                             "the API, the signed-in user confirms)")
    return command.confirmed_by
