"""The fast case-event decoder reads exactly what the library's decoder reads."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, UUIDAsHex

from eventstore.transcoder import CaseTranscoder

MOMENT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def transcoders() -> tuple[JSONTranscoder, CaseTranscoder]:
    library, fast = JSONTranscoder(), CaseTranscoder()
    for transcoder in (library, fast):
        transcoder.register(UUIDAsHex())
        transcoder.register(DatetimeAsISO())
    return library, fast


def test_a_case_event_decodes_the_same_as_with_the_library_decoder() -> None:
    library, fast = transcoders()
    state = {"timestamp": MOMENT, "occurred_at": MOMENT, "reason": "why",
             "data": {"type": "CaseOpened", "nested": {"a": [1, 2]}}, "mac": "ab"}
    encoded = library.encode(state)

    decoded = fast.decode(encoded)

    assert decoded == library.decode(encoded) == state
    assert fast.encode(state) == encoded


def test_typed_values_anywhere_else_fall_back_to_the_library_decoder() -> None:
    library, fast = transcoders()
    state = {"timestamp": MOMENT, "data": {"when": MOMENT, "id": UUID(int=7)}}
    encoded = library.encode(state)

    assert fast.decode(encoded) == state
