"""The drills in short form: 5 cases, a 10 s pause of PostgreSQL, every fault once."""

from __future__ import annotations

import pytest

from bench.drills import CHECKS, DRILLS, matrix, run_drills


@pytest.mark.timeout(300)
async def test_the_engine_survives_every_drill_with_nothing_lost_or_doubled() -> None:
    outcomes = await run_drills(cases=5, pause=10.0)

    table = matrix(outcomes)
    print(table)
    assert list(outcomes) == [drill.name for drill in DRILLS]
    for name, outcome in outcomes.items():
        assert set(outcome.counts) == set(CHECKS), name
        assert outcome.passed, table
