"""A case's history as its record stood at a moment or position: one read for the JSON history
route and the auditor's page, so both show the same events replayed by the same rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.persistence import MapperDeserialisationError

from api.case_calls import not_found
from api.problems import Problem
from api.services import Services
from domain.evolve import ReplayError
from eventstore.replay import ReplayStep, as_the_record_stood, replay


@dataclass(frozen=True)
class HistoryAsItStood:
    """The steps kept (each event with the case state after it) and how many events the case
    has recorded in all, so a reader can say how many a moment leaves out."""

    steps: list[ReplayStep]
    recorded: int


async def history_as_it_stood(
    services: Services, case_id: uuid.UUID, *, as_of: datetime | None, position: int | None
) -> HistoryAsItStood:
    """The case's events up to `as_of` and `position`, replayed; a 404 problem for a case with
    no events, a 500 problem for a stored event that no longer decrypts or decodes, or for
    events the workflow's rules cannot replay."""
    try:
        records = await services.read_store(services.store.history, str(case_id))
    except MapperDeserialisationError:
        raise Problem(500, "History cannot be read", "a stored event of the case cannot be "
                      "decrypted or decoded; verify the case's chain") from None
    if not records:
        raise not_found(case_id)
    kept = as_the_record_stood(records, as_of=as_of, position=position)
    try:
        steps = replay(kept)
    except ReplayError as error:
        raise Problem(500, "History cannot be replayed", str(error)) from None
    return HistoryAsItStood(steps=steps, recorded=len(records))
