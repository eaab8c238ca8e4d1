"""The one read of a case's stored record for every route and page: checked against its chain
(`eventstore.read_check`), and a record that fails answered as one problem, logged and counted,
never shown."""

from __future__ import annotations

import logging
import uuid

from api.problems import Problem
from api.services import Services
from eventstore.read_check import RecordFailedVerification, verified_history
from eventstore.records import CaseEventRecord
from infra.metrics import count_quarantine

log = logging.getLogger(__name__)

# The label the alert is counted under (rtw_quarantines_total{projection="chain_read"}).
ALERT = "chain_read"


async def checked_history(services: Services, case_id: uuid.UUID) -> list[CaseEventRecord]:
    """The case's stored events in position order, empty for a case with none; a 500 problem
    when they fail verification (the break is logged for operators, not told to the caller)."""
    try:
        return await services.read_store(verified_history, services.store, str(case_id))
    except RecordFailedVerification as failed:
        count_quarantine(ALERT)
        log.error("case %s: its stored record failed verification at position %d (%s)",
                  failed.case_id, failed.position, failed.problem)
        raise record_failed(case_id) from None


def record_failed(case_id: uuid.UUID) -> Problem:
    return Problem(500, "Record failed verification",
                   f"the case's record failed verification (case {case_id}); it is not shown. "
                   "Operators: run `rtw audit verify` on the case")
