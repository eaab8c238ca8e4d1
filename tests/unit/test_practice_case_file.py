"""Case notes, documents and corrections of fact, decided by the domain's rules."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actions import RULES
from domain.actors import Actor, Role, Source
from domain.decide import decide, open_case
from domain.disclosure import may_see_note
from domain.errors import ActionNotAllowed, InvalidCommand, RoleNotAllowed
from domain.events import AnyCaseEvent, parse_event
from domain.evolve import evolve, fold
from domain.ids import case_id_for_absence
from domain.journey.case_notes import (
    AddCaseNote,
    AttachDocument,
    CaseNoteAdded,
    DocumentAttached,
    DocumentType,
    NoteVisibility,
    document_type_of,
)
from domain.journey.corrections import (
    EMPLOYEES_WORD,
    FACTUAL_ENTRIES,
    OPINIONS,
    RULE_ENTRIES,
    CorrectEntry,
    EntryCorrected,
    corrected_event_id,
)
from domain.stages import Action, Stage
from domain.state import CaseState
from localstack import samples
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command, opened_state

OPENED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = OPENED_AT + timedelta(hours=2)
OH_NURSE = Actor(id="ohn-42", role=Role.OH, source=Source.API)
NEW_ACTIONS = (Action.ADD_CASE_NOTE, Action.ATTACH_DOCUMENT, Action.CORRECT_ENTRY)


def opened() -> CaseState:
    return opened_state(OPENED_AT)


def applied(state: CaseState, command: object, *, actor: Actor = OH_NURSE,
            now: datetime = NOW) -> tuple[CaseState, list[object]]:
    events = decide(state, command, now=now, actor=actor)  # type: ignore[arg-type]
    for event in events:
        state = evolve(state, event)
    return state, list(events)


def correction(position: int, corrected_type: str) -> CorrectEntry:
    return CorrectEntry(position=position, corrects_event_id="ev-1",
                        corrected_type=corrected_type, correction="the date was 2 Nov")


def assessed() -> CaseState:
    """A case in planning after early contact and an OH assessment (entries 1-3)."""
    state, _ = applied(opened(), samples.early_contact(NOW), actor=MANAGER_ACTOR)
    state, _ = applied(state, samples.assessment(NOW))
    return state


@pytest.mark.parametrize("action", NEW_ACTIONS, ids=str)
def test_each_new_actions_example_is_accepted_on_a_newly_opened_case(action: Action) -> None:
    rule = RULES[action]
    state = opened()
    assert state.stage in rule.stages

    events = decide(state, rule.command.model_validate(rule.example), now=NOW, actor=OH_NURSE)

    assert len(events) == 1


@pytest.mark.parametrize("action", NEW_ACTIONS, ids=str)
def test_the_case_file_is_oh_work(action: Action) -> None:
    rule = RULES[action]

    with pytest.raises(RoleNotAllowed, match="allowed roles: oh"):
        decide(opened(), rule.command.model_validate(rule.example), now=NOW,
               actor=MANAGER_ACTOR)


@pytest.mark.parametrize("action", NEW_ACTIONS, ids=str)
def test_nothing_is_added_to_a_closed_case(action: Action) -> None:
    rule = RULES[action]
    closed = opened().model_copy(update={"stage": Stage.CLOSED})

    with pytest.raises(ActionNotAllowed):
        decide(closed, rule.command.model_validate(rule.example), now=NOW, actor=OH_NURSE)


def test_a_note_is_dated_now_authored_by_the_signed_in_user_and_numbered() -> None:
    state, _ = applied(opened(), AddCaseNote(text="first call"))

    state, events = applied(state, AddCaseNote(
        text="second call", visibility=NoteVisibility.SHARED_WITH_EMPLOYEE))

    [note] = events
    assert isinstance(note, CaseNoteAdded)
    assert (note.number, note.occurred_at, note.actor, note.visibility, note.text) == (
        2, NOW, OH_NURSE, NoteVisibility.SHARED_WITH_EMPLOYEE, "second call")
    assert state.notes_added == 2


def test_a_notes_text_is_kept_by_the_record_not_by_the_case_state_nor_its_reason() -> None:
    text = "Reports low mood since the reorganisation"

    state, [note] = applied(opened(), AddCaseNote(text=text))

    assert text not in state.model_dump_json()
    assert text not in note.reason  # type: ignore[attr-defined]
    assert parse_event(json.loads(note.model_dump_json())) == note  # type: ignore[attr-defined]


def test_a_note_is_oh_only_unless_written_to_be_shared() -> None:
    assert AddCaseNote(text="x").visibility is NoteVisibility.OH_ONLY


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_oh_reads_every_note_the_employee_the_shared_ones_and_nobody_else_any(role: Role
                                                                                ) -> None:
    seen = {v for v in NoteVisibility if may_see_note(role, v)}

    expected = {Role.OH: set(NoteVisibility),
                Role.EMPLOYEE: {NoteVisibility.SHARED_WITH_EMPLOYEE}}.get(role, set())
    assert seen == expected


def test_a_document_is_recorded_by_what_identifies_it_never_its_bytes() -> None:
    command = AttachDocument.model_validate(RULES[Action.ATTACH_DOCUMENT].example)

    state, [event] = applied(opened(), command)

    assert isinstance(event, DocumentAttached)
    assert (event.number, event.document_id, event.media_type, event.size_bytes,
            event.sha256) == (1, command.document_id, "application/pdf", command.size_bytes,
                              command.sha256)
    assert state.documents_attached == 1


@pytest.mark.parametrize("field,value", [("sha256", "not-a-digest"), ("size_bytes", 0),
                                         ("media_type", "application/zip"),
                                         ("document_id", "../../etc/passwd")])
def test_a_document_record_with_a_bad_field_is_refused_at_the_edge(field: str, value: object
                                                                   ) -> None:
    body = {**RULES[Action.ATTACH_DOCUMENT].example, field: value}

    with pytest.raises(ValueError, match=field):
        AttachDocument.model_validate(body)


@pytest.mark.parametrize("content,kind", [
    (b"%PDF-1.7\n...", DocumentType.PDF),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", DocumentType.PNG),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", DocumentType.JPEG),
    (b"II*\x00\x08\x00\x00\x00", DocumentType.TIFF),
    (b"MM\x00*\x00\x00\x00\x08", DocumentType.TIFF),
    (b"PK\x03\x04 a zip or docx", None),
    (b"MZ\x90\x00 an executable", None),
    (b"<html><script>", None),
    (b"", None),
])
def test_a_documents_type_is_judged_by_its_first_bytes(content: bytes,
                                                       kind: DocumentType | None) -> None:
    assert document_type_of(content) is kind


@given(st.binary(max_size=64).filter(
    lambda b: not b.startswith((b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"II*\x00",
                                b"MM\x00*"))))
def test_content_without_an_accepted_signature_has_no_accepted_type(content: bytes) -> None:
    assert document_type_of(content) is None


def test_a_correction_of_fact_is_a_new_entry_naming_the_corrected_one() -> None:
    state = opened()

    after, [event] = applied(state, CorrectEntry(
        position=1, corrects_event_id="stored-id-1", corrected_type="CaseOpened",
        correction="The first day of absence was 19 November."))

    assert isinstance(event, EntryCorrected)
    assert (event.corrected_position, event.corrects_event_id, event.corrected_type) == (
        1, "stored-id-1", "CaseOpened")
    assert corrected_event_id(event) == "stored-id-1"
    assert "19 November" not in event.reason
    # The corrected facts stand as recorded: the correction is read beside them.
    assert after.first_day == state.first_day
    assert after.entries_corrected == 1 and after.version == state.version + 1


def test_only_a_correction_carries_the_link_to_a_stored_event() -> None:
    _, [note] = applied(opened(), AddCaseNote(text="x"))

    assert corrected_event_id(note) is None


@pytest.mark.parametrize("opinion", sorted(OPINIONS))
def test_a_professional_opinion_is_never_altered_only_followed_by_a_new_one(opinion: str
                                                                           ) -> None:
    with pytest.raises(InvalidCommand, match=r"professional opinion.*record a new opinion "
                       r"instead") as refused:
        decide(assessed(), correction(3, opinion), now=NOW, actor=OH_NURSE)

    assert refused.value.field == "position"


def test_an_assessment_on_record_cannot_be_corrected() -> None:
    state = assessed()

    with pytest.raises(InvalidCommand, match=r"AssessmentRecorded.*record_assessment"):
        decide(state, correction(3, "AssessmentRecorded"), now=NOW, actor=OH_NURSE)


@pytest.mark.parametrize("recorded_by_rules", ["ReminderSent", "CaseEscalated",
                                               "PolicyAdopted", "SomethingNewer"])
def test_what_rtws_rules_recorded_and_unclassified_entries_are_not_corrected(
        recorded_by_rules: str) -> None:
    made_by = ("it is not a fact people recorded" if recorded_by_rules == "SomethingNewer"
               else "rtw's own rules recorded it")
    with pytest.raises(InvalidCommand, match=rf"cannot be corrected: {made_by}; corrections "
                       r"apply to: .*CaseOpened"):
        decide(opened(), correction(1, recorded_by_rules), now=NOW, actor=OH_NURSE)


def test_a_correction_must_name_an_entry_of_the_case() -> None:
    with pytest.raises(InvalidCommand, match="the case has 1 entries; there is no entry 2"):
        decide(opened(), correction(2, "CaseOpened"), now=NOW, actor=OH_NURSE)


def test_no_type_is_both_a_fact_and_an_opinion() -> None:
    assert not FACTUAL_ENTRIES & set(OPINIONS)


def test_a_correction_and_the_notes_fold_back_into_the_same_counts() -> None:
    state, first = applied(opened(), AddCaseNote(text="a"))
    state, second = applied(state, correction(2, "CaseNoteAdded"))
    state, third = applied(state, correction(3, "EntryCorrected"))

    replayed = fold([*_opening(), *first, *second, *third])  # type: ignore[list-item]

    assert replayed == state
    assert (state.notes_added, state.entries_corrected) == (1, 2)


def _opening() -> list[object]:
    command = open_command()
    return [open_case(command, case_id=case_id_for_absence(command.employer_id,
                                                           command.absence_id),
                      now=OPENED_AT, actor=HR_ACTOR)]


def test_every_stored_event_type_is_a_fact_an_opinion_or_a_rules_entry() -> None:
    """A new event type must say whether a correction of fact may follow it."""
    names = {cls.model_fields["type"].default for cls in typing.get_args(AnyCaseEvent)}
    kinds = [FACTUAL_ENTRIES, frozenset(OPINIONS), RULE_ENTRIES, frozenset(EMPLOYEES_WORD)]

    assert {name for name in names if sum(name in kind for kind in kinds) != 1} == set()
