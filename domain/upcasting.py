"""Stored events outlive their classes: each upcaster lifts one version of one event type's
stored JSON to the next, so every reader (replay, projections, exports) sees today's shape.

A stored event is never rewritten: the chain's MACs cover the bytes as they were written, and
the upcast happens on every read. To change an event's shape: raise its `event_version`, add
the upcaster from the previous version here, and test it on a stored fixture of the old shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

StoredData = dict[str, Any]
Upcaster = Callable[[StoredData], StoredData]

VERSION_KEY = "event_version"


def _plan_agreed_v1_to_v2(data: StoredData) -> StoredData:
    """`version` (the plan's number) became `plan_version`."""
    lifted = {key: value for key, value in data.items() if key != "version"}
    lifted["plan_version"] = data["version"]
    return lifted


def _case_opened_v1_to_v2(data: StoredData) -> StoredData:
    """`reported_on` came in; a version 1 case had contact due from its opening day (None)."""
    return {**data, "reported_on": None}


def _case_opened_v2_to_v3(data: StoredData) -> StoredData:
    """`practice` came in; every case opened before follows the rules as they were (0)."""
    return {**data, "practice": 0}


def _case_opened_v3_to_v4(data: StoredData) -> StoredData:
    """The employment and the employee's earlier absences came in; none were known before."""
    return {**data, "employment": None, "previous_absences": []}


def _absence_started_v1_to_v2(data: StoredData) -> StoredData:
    """The employment and the employee's earlier absences came in; none were known before."""
    return {**data, "employment": None, "previous_absences": []}


def _referral_received_v1_to_v2(data: StoredData) -> StoredData:
    """`practice` came in; every case opened before follows the rules as they were (0)."""
    return {**data, "practice": 0}


def _referral_received_v2_to_v3(data: StoredData) -> StoredData:
    """A referral could name a service, with answers and flags; none before (OH)."""
    return {**data, "service_id": None, "answers": {}, "flags": []}


def _referral_declined_v1_to_v2(data: StoredData) -> StoredData:
    """A decline came to name the criterion it applied; none before."""
    return {**data, "criterion": None, "service_id": None}
def _assessment_recorded_v1_to_v2(data: StoredData) -> StoredData:
    """The assessor came to carry a `registration` number; none was recorded before (None)."""
    return {**data, "assessor": {**data["assessor"], "registration": None}}


def _escalation_confirmed_v1_to_v2(data: StoredData) -> StoredData:
    """`professional` (who confirmed, by id and profession) came in; before, only a name."""
    return {**data, "professional": None}


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("PlanAgreed", 1): _plan_agreed_v1_to_v2,
    ("CaseOpened", 1): _case_opened_v1_to_v2,
    ("CaseOpened", 2): _case_opened_v2_to_v3,
    ("CaseOpened", 3): _case_opened_v3_to_v4,
    ("AbsenceStarted", 1): _absence_started_v1_to_v2,
    ("ReferralReceived", 1): _referral_received_v1_to_v2,
    ("ReferralReceived", 2): _referral_received_v2_to_v3,
    ("ReferralDeclined", 1): _referral_declined_v1_to_v2,
    ("AssessmentRecorded", 1): _assessment_recorded_v1_to_v2,
    ("EscalationConfirmed", 1): _escalation_confirmed_v1_to_v2,
}


def stored_version(data: StoredData) -> int:
    """The version an event was written at; events from before versioning are version 1."""
    version = data.get(VERSION_KEY, 1)
    return version if isinstance(version, int) else 1


def upcast(data: StoredData) -> StoredData:
    """The stored JSON of an event, lifted through every upcaster from its version onwards."""
    event_type = data.get("type")
    version = stored_version(data)
    upcaster = UPCASTERS.get((str(event_type), version))
    if upcaster is None:
        return data
    while upcaster is not None:
        data = upcaster(data)
        version += 1
        upcaster = UPCASTERS.get((str(event_type), version))
    return {**data, VERSION_KEY: version}
