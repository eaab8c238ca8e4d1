"""A workflow that continues-as-new a given number of times: a run chain to walk."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="Hop")
class Hop:
    @workflow.run
    async def run(self, hops_left: int) -> int:
        if hops_left > 0:
            workflow.continue_as_new(hops_left - 1)
        return hops_left
