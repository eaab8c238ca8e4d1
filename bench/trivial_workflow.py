"""The baseline's workflow: it starts, completes its first task, and ends. Nothing else.

A module of its own so that the workflow sandbox imports nothing but temporalio.
"""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class TrivialWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None
