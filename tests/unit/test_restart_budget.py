"""`rtw run` restarts a crashed child unless it keeps crashing within the window."""

from __future__ import annotations

from localstack.restart_budget import RestartBudget


def test_restarts_are_allowed_up_to_the_budget_within_the_window() -> None:
    budget = RestartBudget(allowed=3, window_seconds=60)

    spent = [budget.spend(now) for now in (0, 10, 20, 30)]

    assert spent == [True, True, True, False]


def test_old_restarts_leave_the_window_and_free_the_budget() -> None:
    budget = RestartBudget(allowed=2, window_seconds=60)
    budget.spend(0)
    budget.spend(1)

    assert budget.spend(30) is False
    assert budget.spend(61) is True


def test_a_refused_restart_is_not_counted() -> None:
    budget = RestartBudget(allowed=1, window_seconds=10)
    budget.spend(0)
    for now in (1, 2, 3):
        budget.spend(now)

    assert budget.spend(10) is True


def test_the_pause_grows_as_restarts_crowd_the_window_and_is_capped() -> None:
    budget = RestartBudget(allowed=10, window_seconds=600)
    pauses = []
    for now in range(7):
        budget.spend(now)
        pauses.append(budget.pause_before_restart())

    assert pauses == sorted(pauses)
    assert pauses[0] == 0.5 and pauses[-1] == 8.0
