"""A read of the event store that does not come back in time is a 503, not a hung request."""

from __future__ import annotations

import time
from typing import Any

import pytest

from api.problems import Problem
from api.services import Services


def services(bound: float) -> Services:
    unused: Any = None
    return Services(temporal=unused, store=unused, pool=unused, tokens=unused, tracer=unused,
                    task_queue="rtw-test", store_read_seconds=bound)


async def test_a_read_within_the_bound_answers_its_result() -> None:
    assert await services(5).read_store(lambda case: [case], "c1") == ["c1"]


async def test_a_read_past_the_bound_is_a_503() -> None:
    with pytest.raises(Problem) as refused:
        await services(0.05).read_store(time.sleep, 0.5)

    assert refused.value.status == 503
