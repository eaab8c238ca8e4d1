"""Waiting out faults: pauses grow, stay bounded, and a wrong setting is not waited on."""

from __future__ import annotations

import pytest

from infra.backoff import Backoff, retry_until_ready


async def test_pauses_double_with_jitter_up_to_the_longest() -> None:
    backoff = Backoff("test", first=0.5, longest=4.0)
    pauses = [backoff.failed(ConnectionRefusedError()) for _ in range(8)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert all(c / 2 <= p <= c for p, c in zip(pauses, ceilings, strict=True))
    backoff.succeeded()
    assert backoff.failed(ConnectionRefusedError()) <= 0.5


async def test_a_server_not_up_yet_is_waited_for_and_a_wrong_setting_is_not() -> None:
    attempts = 0

    async def connect() -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionRefusedError
        return "connected"

    assert await retry_until_ready("test", connect) == "connected"
    assert attempts == 3

    async def misconfigured() -> str:
        raise ValueError("RTW_DATABASE_URL must start with postgresql://")

    with pytest.raises(ValueError, match="postgresql://"):
        await retry_until_ready("test", misconfigured)
