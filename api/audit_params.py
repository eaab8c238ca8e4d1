"""Query parameters for reading a case as its record stood at a moment or position."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from api.problems import invalid_field
from eventstore.moments import parse_moment

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
