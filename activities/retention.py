"""The retention sweep's activity: find the closed cases whose time is up and erase them.

The eraser is injected (`CaseEraser`): the one that destroys a case's data keys and records
the erasure in the case's chain. The sweep asks it for one employer's policy group at a time;
if a group fails, each of its cases is tried on its own, so one case that cannot be erased
never keeps the others. The cases of an employee under a legal hold are left out by the query
(and counted, once a run, in `held_back`), so a hold never fails a batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from itertools import groupby
from typing import Protocol

from temporalio import activity

from domain.policy import Policy
from domain.retention import is_expired, latest_expired_closure, retention_expires_on
from workflows.retention import (
    SWEEP_EXPIRED_CASES,
    ErasedCase,
    FailedCase,
    SweepBatchInput,
    SweepBatchResult,
    SweepCursor,
)

log = logging.getLogger(__name__)

# Who asks for a retention erasure, as the erasure records it.
RETENTION_REQUESTER = "rtw-retention-schedule"
MAX_ERROR = 300


class CaseEraser(Protocol):
    """What the sweep needs of the eraser."""

    async def erase_cases(self, case_ids: list[str], *, reason: str,
                          requested_by: str) -> object: ...


class ClosedCase(Protocol):
    @property
    def case_id(self) -> str: ...
    @property
    def employer_id(self) -> str: ...
    @property
    def closed_on(self) -> date: ...


class Closures(Protocol):
    """The read side's closures (`readside.retention_query.RetentionQuery`)."""

    async def employers_with_closures(self, *, up_to: date) -> list[str]: ...

    async def expired_closed_cases(
        self, *, cutoffs: Mapping[str, date], other_employers: date,
        after: tuple[date, str] | None = ..., limit: int = ...,
    ) -> Sequence[ClosedCase]: ...

    async def held_back_cases(self, *, cutoffs: Mapping[str, date],
                              other_employers: date) -> int: ...


PolicyInForce = Callable[[str, date], Policy]
"""The employer's policy version in force on a day (`infra.policies.PolicyBook.in_force`)."""


def retention_reason(policy: Policy) -> str:
    """Why the sweep erased a case: the rule and the policy, nothing about the person."""
    return (f"retention period over: cases are kept {policy.retention_years_after_closure} "
            f"years after closure (policy {policy.version})")


class RetentionActivities:
    def __init__(self, closures: Closures, policy_in_force: PolicyInForce,
                 eraser: CaseEraser) -> None:
        self._closures = closures
        self._policy_in_force = policy_in_force
        self._eraser = eraser

    @activity.defn(name=SWEEP_EXPIRED_CASES)
    async def sweep_expired_cases(self, batch: SweepBatchInput) -> SweepBatchResult:
        """Erase one batch of expired closed cases, oldest closure first."""
        today = batch.today
        employers = await self._closures.employers_with_closures(up_to=today)
        policies = {e: self._policy_in_force(e, today) for e in employers}
        cutoffs = {e: latest_expired_closure(today, p) for e, p in policies.items()}
        after = (batch.after.closed_on, batch.after.case_id) if batch.after else None
        # A case closing between the two queries belongs to no listed employer: `date.min`
        # keeps it for a later run.
        found = await self._closures.expired_closed_cases(
            cutoffs=cutoffs, other_employers=date.min, after=after, limit=batch.limit)
        result = SweepBatchResult()
        if batch.after is None:
            # Once a run: the expired cases a legal hold keeps (the query leaves them out).
            result.held_back = await self._closures.held_back_cases(
                cutoffs=cutoffs, other_employers=date.min)
        expired = [c for c in found if is_expired(c.closed_on, policies[c.employer_id], today)]

        def group(case: ClosedCase) -> tuple[str, str]:
            return case.employer_id, policies[case.employer_id].version

        for (employer_id, _), cases in groupby(sorted(expired, key=group), key=group):
            activity.heartbeat(employer_id)
            await self._erase(list(cases), policies[employer_id], result)
        if len(found) == batch.limit:
            last = found[-1]
            result.next = SweepCursor(closed_on=last.closed_on, case_id=last.case_id)
        log.info("retention sweep for %s: %d expired case(s) found, %d erased, %d failed%s",
                 today, len(expired), len(result.erased), len(result.failed),
                 f", {result.held_back} held back by a legal hold" if batch.after is None
                 else "")
        return result

    async def _erase(self, cases: list[ClosedCase], policy: Policy,
                     result: SweepBatchResult) -> None:
        if len(cases) > 1:
            try:
                receipt = await self._erase_ids([c.case_id for c in cases], policy)
            except Exception as error:
                log.warning("retention: erasing %d case(s) together failed (%s); trying each "
                            "alone", len(cases), type(error).__name__)
            else:
                result.erased.extend(_erased(c, policy, receipt) for c in cases)
                return
        for case in cases:
            activity.heartbeat(case.case_id)
            try:
                receipt = await self._erase_ids([case.case_id], policy)
            except Exception as error:  # one case's failure never stops the others
                log.error("retention: case %s not erased: %s", case.case_id,
                          type(error).__name__)
                result.failed.append(FailedCase(
                    case_id=case.case_id, employer_id=case.employer_id,
                    error=f"{type(error).__name__}: {error}"[:MAX_ERROR]))
            else:
                result.erased.append(_erased(case, policy, receipt))

    async def _erase_ids(self, case_ids: list[str], policy: Policy) -> object:
        return await self._eraser.erase_cases(case_ids, reason=retention_reason(policy),
                                              requested_by=RETENTION_REQUESTER)


def _erased(case: ClosedCase, policy: Policy, receipt: object) -> ErasedCase:
    return ErasedCase(case_id=case.case_id, employer_id=case.employer_id,
                      closed_on=case.closed_on,
                      expired_on=retention_expires_on(case.closed_on, policy),
                      policy_version=policy.version,
                      receipt="" if receipt is None else str(receipt)[:MAX_ERROR])
