"""Holding what callers send to the policy's window of dates, before anything is started or
signalled: a refused date never reaches a workflow or the record."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from api.problems import invalid_field
from domain.bounds import check_dates_within_window
from domain.errors import InvalidCommand
from domain.policy import Policy


def refuse_dates_outside_window(command: BaseModel, *, today: date, policy: Policy) -> None:
    """A 422 naming the first date outside the window, or nothing."""
    try:
        check_dates_within_window(command, today=today, policy=policy)
    except InvalidCommand as refused:
        raise invalid_field(refused.field, refused.reason) from None
