"""Tamper evidence on a real PostgreSQL: each kind of change to the rows breaks the chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from eventstore.records import CaseEventRecord
from eventstore.replay import replay
from eventstore.store import CaseEventStore, UnknownCorrectedEvent
from eventstore.verify import CaseVerdict, verify_cases
from localstack.samples import as_new, case_events, store_case
from tests.support.stored_cases import tamper

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


@pytest.fixture
def cases(store: CaseEventStore) -> list[str]:
    """Three cases of four events each; the first is the one tampered with."""
    return [store_case(store, f"ABS-{n}", 4, OPENED, batch=2) for n in (1, 2, 3)]


def verdicts(store: CaseEventStore) -> dict[str, CaseVerdict]:
    return {verdict.case_id: verdict for verdict in verify_cases(store)}


def broken(store: CaseEventStore) -> dict[str, tuple[int, str]]:
    return {
        case_id: (verdict.broken.position, verdict.broken.problem)
        for case_id, verdict in verdicts(store).items()
        if verdict.broken is not None
    }


def state_of(database_url: str, case_id: str, position: int) -> bytes:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT state FROM rtw_events WHERE originator_id = %s AND originator_version = %s",
            (case_id, position),
        ).fetchone()
    assert row is not None
    return bytes(row[0])


def test_an_untouched_store_verifies(store: CaseEventStore, cases: list[str]) -> None:
    result = verdicts(store)

    assert set(result) == set(cases)
    assert all(v.broken is None and v.events == 4 for v in result.values())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE rtw_events SET state = state WHERE originator_version = 2",
        "DELETE FROM rtw_events WHERE originator_version = 4",
        "TRUNCATE rtw_events",
        "DELETE FROM rtw_chain_heads",
    ],
)
def test_the_database_refuses_changes_to_stored_events(
    store: CaseEventStore, cases: list[str], database_url: str, statement: str
) -> None:
    with psycopg.connect(database_url) as connection, pytest.raises(
        psycopg.errors.RaiseException, match="append-only"
    ):
        connection.execute(statement)

    assert broken(store) == {}


def test_a_retried_append_leaves_the_chain_intact(store: CaseEventStore) -> None:
    case_id, events = case_events("ABS-9", 2, OPENED)
    batch = [as_new(event, f"00000000-0000-4000-8000-00000000000{n}")
             for n, event in enumerate(events, start=1)]
    kwargs = {"case_id": case_id, "first_position": 1, "policy_version": "p",
              "workflow_id": case_id, "run_id": "r"}

    first = store.append(events=batch, **kwargs)  # type: ignore[arg-type]
    retried = store.append(events=batch, **kwargs)  # type: ignore[arg-type]

    assert (first.appended, retried.already_present) == (2, 2)
    assert broken(store) == {}


def test_a_re_encrypted_changed_event_is_caught_at_its_position(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    case_id = cases[0]
    stored = StoredEvent(case_id, 2, "x", b"")
    original = store.mapper.to_domain_event(
        replace(stored, topic=_topic(database_url), state=state_of(database_url, case_id, 2))
    )
    assert isinstance(original, CaseEventRecord)
    forged = store.mapper.to_stored_event(replace(original, reason="contact was made"))
    tamper(database_url, "UPDATE rtw_events SET state = %s WHERE originator_id = %s "
        "AND originator_version = 2", forged.state, case_id)

    found = broken(store)
    assert _positions(found) == {case_id: 2}
    assert "MAC does not match" in found[case_id][1]


def test_an_event_given_another_events_state_is_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    case_id, other = cases[0], cases[1]
    tamper(database_url, "UPDATE rtw_events SET state = %s WHERE originator_id = %s "
        "AND originator_version = 3", state_of(database_url, other, 3), case_id)

    assert _positions(broken(store)) == {case_id: 3}


def test_a_deleted_middle_event_is_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
        "AND originator_version = 2", cases[0])

    assert _positions(broken(store)) == {cases[0]: 2}


def test_a_deleted_last_event_is_caught_by_the_chain_head(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
        "AND originator_version = 4", cases[0])

    found = broken(store)
    assert _positions(found) == {cases[0]: 4}
    assert "missing" in found[cases[0]][1]


def test_a_deleted_chain_head_is_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "DELETE FROM rtw_chain_heads WHERE case_id = %s", cases[2])

    assert _positions(broken(store)) == {cases[2]: 4}


def test_a_case_whose_every_event_was_deleted_is_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s", cases[1])

    assert _positions(broken(store)) == {cases[1]: 1}


def test_an_event_inserted_after_the_last_is_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "INSERT INTO rtw_events (originator_id, originator_version, topic, state) "
        "VALUES (%s, 5, %s, %s)", cases[0], _topic(database_url),
        state_of(database_url, cases[0], 4))

    assert _positions(broken(store)) == {cases[0]: 5}


def test_an_event_inserted_in_the_middle_is_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    case_id = cases[0]
    copied = state_of(database_url, case_id, 2)
    for position in (4, 3):
        tamper(database_url, "UPDATE rtw_events SET originator_version = originator_version + 1 "
            "WHERE originator_id = %s AND originator_version = %s", case_id, position)
    tamper(database_url, "INSERT INTO rtw_events (originator_id, originator_version, topic, state) "
        "VALUES (%s, 3, %s, %s)", case_id, _topic(database_url), copied)

    assert _positions(broken(store)) == {case_id: 3}


def test_reordered_events_are_caught(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    case_id = cases[1]
    for old, new in ((2, -2), (3, 2), (-2, 3)):
        tamper(database_url, "UPDATE rtw_events SET originator_version = %s "
            "WHERE originator_id = %s AND originator_version = %s", new, case_id, old)

    assert _positions(broken(store)) == {case_id: 2}


def test_every_broken_case_is_reported(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
        "AND originator_version = 3", cases[0])
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
        "AND originator_version = 1", cases[2])

    assert _positions(broken(store)) == {cases[0]: 3, cases[2]: 1}


def test_one_case_can_be_verified_alone(
    store: CaseEventStore, cases: list[str], database_url: str
) -> None:
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
        "AND originator_version = 3", cases[0])

    [intact] = verify_cases(store, cases[1])
    [tampered] = verify_cases(store, cases[0])

    assert intact.broken is None and intact.events == 4
    assert tampered.broken is not None and tampered.broken.position == 3


def _positions(found: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {case_id: position for case_id, (position, _) in found.items()}


def _topic(database_url: str) -> str:
    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT topic FROM rtw_events LIMIT 1").fetchone()
    assert row is not None
    return str(row[0])


def test_a_correction_references_an_earlier_event_and_replay_carries_it(
    store: CaseEventStore,
) -> None:
    case_id, events = case_events("ABS-FIX", 3, OPENED)
    first, second = as_new(events[0]), as_new(events[1])
    correction = replace(as_new(events[2]), corrects_event_id=second.event_id)
    kwargs = {"case_id": case_id, "policy_version": "p", "workflow_id": case_id, "run_id": "r"}
    store.append(first_position=1, events=[first, second], **kwargs)  # type: ignore[arg-type]

    with pytest.raises(UnknownCorrectedEvent):
        store.append(first_position=3,  # type: ignore[arg-type]
                     events=[replace(correction, corrects_event_id="no-such-event")], **kwargs)
    store.append(first_position=3, events=[correction], **kwargs)  # type: ignore[arg-type]

    records = store.history(case_id)
    assert [r.corrects_event_id for r in records] == [None, None, second.event_id]
    assert replay(records)[-1].record.corrects_event_id == second.event_id
    assert broken(store) == {}


def test_a_case_stored_before_chaining_still_takes_appends_and_is_reported_unverifiable(
    store: CaseEventStore,
) -> None:
    case_id = store_case(store, "ABS-OLD", 2, OPENED)
    legacy = [replace(r, mac="") for r in store.history(case_id)]
    other_id, _ = case_events("ABS-OLDER", 1, OPENED)
    store.events.put([replace(r, originator_id=UUID(other_id), mac="")
                      for r in legacy[:1]])  # no chain head, no MAC: as stored before chaining
    _, later = case_events("ABS-OLDER", 2, OPENED)

    outcome = store.append(case_id=other_id, first_position=2, policy_version="p",
                           workflow_id=other_id, run_id="r", events=[as_new(later[1])])

    assert outcome.appended == 1
    verdict = verdicts(store)[other_id]
    assert verdict.broken is not None and verdict.broken.position == 1
    assert "no MAC" in verdict.broken.problem
