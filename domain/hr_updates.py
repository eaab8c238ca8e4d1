"""What HR systems hear about a case: stage changes, consented advice, return dates, closure.

Never diagnosis, condition, clinical notes, therapy or the reason for the absence.
"""

from __future__ import annotations

from typing import Any

from domain.events import (
    AssessmentRecorded,
    CaseClosed,
    CaseEvent,
    PhasedReturnStarted,
    RedeploymentTrialStarted,
)
from domain.state import CaseState


def hr_update_for(before: CaseState | None, after: CaseState, event: CaseEvent
                  ) -> dict[str, Any] | None:
    """The changes HR may see from one event, or None when there are none."""
    changes: list[dict[str, Any]] = []
    if before is None or before.stage is not after.stage:
        changes.append({"kind": "stage_changed", "stage": after.stage.value,
                        "previous_stage": before.stage.value if before else None})
    if isinstance(event, AssessmentRecorded) and event.consent.share_with_hr:
        changes.append({
            "kind": "fitness_advice",
            "fitness": event.fitness.value,
            "recommended_adjustments": [a.model_dump(mode="json")
                                        for a in event.recommended_adjustments],
        })
    if isinstance(event, PhasedReturnStarted):
        changes.append({"kind": "return_planned", "phased": True,
                        "starts_on": event.starts_on.isoformat(),
                        "hours_by_week": [week.hours for week in event.weeks]})
    if isinstance(event, RedeploymentTrialStarted):
        changes.append({"kind": "return_planned", "phased": False,
                        "starts_on": event.starts_on.isoformat(),
                        "role_title": event.role_title, "trial_weeks": event.trial_weeks})
    if isinstance(event, CaseClosed):
        changes.append({"kind": "case_closed", "outcome": event.outcome.value,
                        "returned_on": event.returned_on.isoformat() if event.returned_on
                        else None})
    if not changes:
        return None
    return {"case_id": after.case_id, "employer_id": after.employer_id,
            "occurred_at": event.occurred_at.isoformat(), "stage": after.stage.value,
            "changes": changes}
