"""The journey benchmark's baseline workflow: one activity, a long timer, N updates, done.

A module of its own so that the workflow sandbox imports nothing but temporalio.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def touch() -> None:
    return None


@workflow.defn
class BareJourney:
    def __init__(self) -> None:
        self.steps = 0

    @workflow.run
    async def run(self, steps: int) -> int:
        await workflow.execute_activity(touch, start_to_close_timeout=timedelta(seconds=10))
        await workflow.wait_condition(lambda: self.steps >= steps, timeout=timedelta(days=28))
        return self.steps

    @workflow.update
    async def step(self, number: int) -> int:
        self.steps += 1
        return self.steps
