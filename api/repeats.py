"""A repeated notification opens nothing; one that says something else of the same absence or
referral is a 409 naming what differs, so an integration's mistake is never silently taken."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from api.case_calls import query_view
from api.problems import Problem
from api.services import Services
from domain.state import CaseState

Comparison = Callable[[CaseState], Iterable[tuple[str, object, object]]]


async def refuse_a_different_repeat(services: Services, case_id: str, what: str,
                                    compare: Comparison) -> None:
    """`compare` gives (field, as sent now, as first sent) for each field that identifies it."""
    try:
        state = (await query_view(services, case_id)).state
    except Problem:
        return  # the case cannot be read now: the repeat is answered as a repeat
    differences = [name for name, now_sent, first_sent in compare(state)
                   if now_sent != first_sent]
    if differences:
        raise Problem(409, "Conflict", f"this {what} was notified before with other "
                      f"{', '.join(differences)}; send a correction, not a new notification",
                      differences=differences)
