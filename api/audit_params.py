"""Query parameters for reading a case as its record stood at a moment or position."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from api.problems import invalid_field
from domain.actors import Role
from eventstore.moments import parse_moment
from infra.tokens import Principal

AsOfQuery = Annotated[str | None, Query(description=(
    "The case as the record stood then: events recorded at or before this time "
    "(ISO 8601 with offset), or by the end of this date (YYYY-MM-DD, London)."))]
PositionQuery = Annotated[int | None, Query(ge=1, description="Events up to this position.")]


def as_of_moment(as_of: str | None) -> datetime | None:
    """The moment `as_of` names, or a 422 problem naming the field."""
    if as_of is None:
        return None
    try:
        return parse_moment(as_of)
    except ValueError as error:
        raise invalid_field("as_of", str(error)) from None


PurposeQuery = Annotated[str | None, Query(description=(
    "Why this read is made (10 to 500 printable characters), kept in the access log. Needed "
    "by the clinical-audit role, which then reads clinical content; an auditor reads the "
    "history with clinical content withheld, whatever is given."))]
PURPOSE_LENGTH = (10, 500)


def audit_purpose(principal: Principal, purpose: str | None) -> str | None:
    """The purpose a read names, checked; a 422 problem naming `purpose` for one that is not
    printable text of 10 to 500 characters, and for a clinical audit that names none."""
    if purpose is None or not purpose.strip():
        if principal.role is Role.CLINICAL_AUDITOR:
            raise invalid_field("purpose", "a clinical audit names its purpose: 10 to 500 "
                                "printable characters, kept in the access log")
        return None
    text = purpose.strip()
    shortest, longest = PURPOSE_LENGTH
    if not shortest <= len(text) <= longest:
        raise invalid_field("purpose", f"give {shortest} to {longest} characters, not "
                            f"{len(text)}")
    if not text.isprintable():
        raise invalid_field("purpose", "printable characters only: no line breaks, tabs or "
                            "other control characters")
    return text
