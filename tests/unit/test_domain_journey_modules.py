"""The stage modules add up: every action has one rule whose decision takes its own command,
and every stored event type is evolved by exactly one stage."""

from __future__ import annotations

import inspect
import typing

import pytest

from domain.actions import RULES
from domain.events import OPENING_EVENTS, AnyCaseEvent
from domain.evolve import _APPLY
from domain.stages import Action


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_each_action_decides_its_own_command(action: Action) -> None:
    rule = RULES[action]

    taken = inspect.signature(rule.decide).parameters["command"].annotation

    assert taken == rule.command.__name__
    assert rule.decide.__name__ == action.value


def test_rules_are_offered_in_the_order_of_the_actions() -> None:
    assert list(RULES) == list(Action)


def test_each_stored_event_type_opens_a_case_or_changes_one() -> None:
    stored = set(typing.get_args(AnyCaseEvent))

    assert set(_APPLY) | set(OPENING_EVENTS) == stored
    assert not set(_APPLY) & set(OPENING_EVENTS)
