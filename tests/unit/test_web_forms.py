"""The action forms generated from the command models: every command of the action table
renders, is filled in from its example and sent back through its rendered HTML as a browser
would, and reads back as the very command of the example; pydantic's errors come back in plain
words, each linked to the control it is about."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from html.parser import HTMLParser
from typing import Any

import pytest
from pydantic import BaseModel, Field

from api.professional import with_signed_in_professional
from api.web.forms import (
    SERVER_FILLED,
    Form,
    FormField,
    UnsupportedField,
    encode,
    form_for,
    parse,
    plain_words,
    refusal_errors,
)
from api.web.pages.actions import KEY_FIELD
from api.web.rendering import ENVIRONMENT
from domain.actions import RULES
from domain.actors import Role
from domain.stages import Action
from infra.tokens import Principal

FIELDS = ENVIRONMENT.from_string(
    '{% from "form_fields.jinja" import form_field %}'
    "{% for f in fields %}{{ form_field(f) }}{% endfor %}")


def rendered(form: Form) -> str:
    return FIELDS.render(fields=form.fields)


class _Browser(HTMLParser):
    """What a browser sends for a form as rendered: text inputs and textareas with their
    values, the checked radios and checkboxes; and every control's id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.names: set[str] = set()
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        if tag == "input" and "name" in found:
            self.names.add(found["name"])
            kind = found.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in found:
                    self.pairs.append((found["name"], found.get("value", "on")))
            else:
                self.pairs.append((found["name"], found.get("value", "")))
        elif tag == "textarea":
            self.names.add(found["name"])
            self._textarea, self._text = found["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.pairs.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def browse(html: str) -> _Browser:
    browser = _Browser()
    browser.feed(html)
    return browser


@pytest.mark.parametrize("action", list(RULES), ids=lambda a: a.value)
def test_every_command_renders_and_its_example_round_trips_through_the_html(
        action: Action) -> None:
    form = form_for(action)
    rule = RULES[action]
    html = rendered(form.with_values(encode(form, rule.example)))
    sent = browse(html).pairs
    parsed = parse(form, sent)
    assert parsed.errors == []
    assert parsed.command is not None
    expected = rule.command.model_validate(rule.example)
    # Checkboxes send their choices in the order the form lists them.
    assert _unordered(parsed.command.model_dump()) == _unordered(expected.model_dump())


@pytest.mark.parametrize("action", list(RULES), ids=lambda a: a.value)
def test_every_blank_form_renders_each_question_once_with_human_words(action: Action) -> None:
    form = form_for(action).with_values(None)
    html = rendered(form)
    browser = browse(html)
    for leaf in _leaves(form.fields):
        assert leaf.href.removeprefix("#") in browser.ids, leaf.name
        words = leaf.label + (leaf.hint or "")
        assert "_" not in words and "`" not in words and "ISO 8601" not in words, words
    assert KEY_FIELD not in browser.names


@pytest.mark.parametrize("action", list(RULES), ids=lambda a: a.value)
def test_a_blank_form_sends_nothing_but_its_defaults(action: Action) -> None:
    form = form_for(action)
    sent = browse(rendered(form.with_values(None))).pairs
    defaults = {(f.name, f.default) for f in _leaves(form.with_values(None).fields)
                if f.default is not None}
    assert {(name, value) for name, value in sent if value != ""} == defaults


@pytest.mark.parametrize("action", sorted(SERVER_FILLED, key=lambda a: a.value),
                         ids=lambda a: a.value)
def test_fields_the_server_fills_from_the_signed_in_person_are_not_asked(
        action: Action) -> None:
    form = form_for(action)
    asked = {f.name for f in form.fields}
    assert not asked & SERVER_FILLED[action]
    # ...and the server does fill them, along the very path the API takes.
    principal = Principal(subject="OHN-7", role=Role.OH, name="Jo Reid",
                          profession="OH nurse", registration="NMC 12A3456B")
    command = RULES[action].command.model_validate(RULES[action].example)
    filled = with_signed_in_professional(action, command, principal)
    for name in SERVER_FILLED[action]:
        assert getattr(filled, name).id == "OHN-7"


def test_no_command_has_a_field_named_like_the_forms_key() -> None:
    for rule in RULES.values():
        assert KEY_FIELD not in rule.command.model_fields


def test_early_contact_asks_a_date_and_time_radios_a_number_and_optional_notes() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    kinds = {f.name: (f.kind, f.optional) for f in form.fields}
    assert kinds == {"contacted_at": ("datetime", False), "method": ("radios", False),
                     "agreed_contact_frequency_days": ("number", False),
                     "notes": ("textarea", True)}
    html = rendered(form.with_values(None))
    assert 'name="contacted_at[day]"' in html and 'name="contacted_at[time]"' in html
    assert "Notes (optional)" in html
    assert 'value="in_person"' in html and "In person" in html


def test_a_uk_time_in_summer_is_an_hour_ahead_of_utc() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    parsed = parse(form, [("contacted_at[day]", "1"), ("contacted_at[month]", "7"),
                          ("contacted_at[year]", "2026"), ("contacted_at[time]", "09:15"),
                          ("method", "phone"), ("agreed_contact_frequency_days", "7")])
    assert parsed.command is not None
    assert parsed.command.contacted_at == datetime(2026, 7, 1, 8, 15, tzinfo=UTC)


def test_a_time_the_clocks_skipped_is_refused() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    parsed = parse(form, [("contacted_at[day]", "29"), ("contacted_at[month]", "3"),
                          ("contacted_at[year]", "2026"), ("contacted_at[time]", "01:30"),
                          ("method", "phone"), ("agreed_contact_frequency_days", "7")])
    assert [e.href for e in parsed.errors] == ["#contacted_at-time"]
    assert "clocks went forward" in parsed.errors[0].text


def test_a_moment_without_its_time_links_to_the_time() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    parsed = parse(form, [("contacted_at[day]", "1"), ("contacted_at[month]", "7"),
                          ("contacted_at[year]", "2026"), ("method", "phone"),
                          ("agreed_contact_frequency_days", "7")])
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Enter the time of date and time of contact", "#contacted_at-time")]
    html = rendered(form.with_values([("contacted_at[day]", "1")], parsed.field_errors))
    shown = html.index("Enter the time of date and time of contact")
    assert html.index('id="contacted_at-year"') < shown < html.index('id="contacted_at-time"')
    assert html.count("Enter the time of date and time of contact") == 1


def test_31_february_is_not_a_real_date_and_the_summary_links_to_the_day() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    parsed = parse(form, [("contacted_at[day]", "31"), ("contacted_at[month]", "2"),
                          ("contacted_at[year]", "2026"), ("contacted_at[time]", "10:00"),
                          ("method", "phone"), ("agreed_contact_frequency_days", "7")])
    assert parsed.command is None
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Date and time of contact must be a real date", "#contacted_at-day")]
    html = rendered(form.with_values([("contacted_at[day]", "31")], parsed.field_errors))
    assert "Date and time of contact must be a real date" in html
    assert "nhsuk-form-group--error" in html


def test_a_date_missing_its_year_says_what_is_missing() -> None:
    form = form_for(Action.COMPLETE_PHASED_RETURN)
    parsed = parse(form, [("completed_on[day]", "3"), ("completed_on[year]", "2026")])
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Completed on must include a month", "#completed_on-month")]


def test_an_empty_form_names_every_required_question_in_plain_words() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    parsed = parse(form, [])
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Enter the date and time of contact", "#contacted_at-day"),
        ("Select method", "#method"),
        ("Enter days between contacts", "#agreed_contact_frequency_days"),
    ]


@pytest.mark.parametrize(("typed", "said"), [
    ("0", "Days between contacts must be 1 or more"),
    ("91", "Days between contacts must be 90 or less"),
    ("seven", "Days between contacts must be a whole number, like 7"),
    ("7.5", "Days between contacts must be a whole number, like 7"),
])
def test_numbers_out_of_bounds_are_said_in_words(typed: str, said: str) -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    parsed = parse(form, [*encode(form, {"contacted_at": "2026-11-23T10:30:00+00:00",
                                         "method": "phone"}),
                          ("agreed_contact_frequency_days", typed)])
    assert [e.text for e in parsed.errors] == [said]


def test_a_yes_no_question_left_unanswered_asks_for_yes_or_no() -> None:
    form = form_for(Action.RECORD_FOLLOW_UP)
    parsed = parse(form, encode(form, {"checked_on": "2026-11-23"}))
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Select yes or no for sustained", "#sustained")]


def test_blank_rows_are_dropped_and_an_error_in_a_later_row_links_to_that_row() -> None:
    form = form_for(Action.START_PHASED_RETURN)
    pairs = [("starts_on[day]", "23"), ("starts_on[month]", "11"), ("starts_on[year]", "2026"),
             ("weeks.0.week", ""), ("weeks.0.hours", ""), ("weeks.0.duties", ""),
             ("weeks.1.week", "1"), ("weeks.1.hours", "15"), ("weeks.1.duties", "Admin"),
             ("weeks.2.week", "2"), ("weeks.2.hours", "99"), ("weeks.2.duties", "Admin")]
    parsed = parse(form, pairs)
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Hours a week must be 60 or less", "#weeks-2-hours")]
    fixed = [(k, "22.5" if k == "weeks.2.hours" else v) for k, v in pairs]
    command = parse(form, fixed).command
    assert command is not None
    assert [w.week for w in command.weeks] == [1, 2]


def test_a_list_needing_at_least_one_row_says_so_and_links_to_the_first_row() -> None:
    form = form_for(Action.START_PHASED_RETURN)
    parsed = parse(form, [("starts_on[day]", "23"), ("starts_on[month]", "11"),
                          ("starts_on[year]", "2026")])
    assert [(e.text, e.href) for e in parsed.errors] == [
        ("Give at least 1 for weeks", "#weeks-0-week")]


def test_a_blank_form_offers_the_fixed_number_of_rows() -> None:
    form = form_for(Action.AGREE_PLAN).with_values(None)
    plan = next(f for f in form.fields if f.name == "plan")
    actions = next(f for f in plan.children if f.name == "plan.actions")
    assert [row.name for row in actions.children] == [
        "plan.actions.0", "plan.actions.1", "plan.actions.2"]
    assert [c.name for c in actions.children[1].children] == [
        "plan.actions.1.owner", "plan.actions.1.description", "plan.actions.1.due_on"]


def test_words_one_per_line_become_a_list() -> None:
    form = form_for(Action.RECORD_ASSESSMENT)
    example = dict(RULES[Action.RECORD_ASSESSMENT].example)
    pairs = [(k, v) for k, v in encode(form, example) if k != "barriers"]
    parsed = parse(form, [*pairs, ("barriers", "travel to work\r\n\r\n  stairs  \r\n")])
    assert parsed.command is not None
    assert parsed.command.barriers == ["travel to work", "stairs"]


def test_checkboxes_give_a_list_of_choices_and_an_empty_required_list_asks_for_one() -> None:
    form = form_for(Action.ACCEPT_FIT_NOTE_ADVICE)
    parsed = parse(form, [("fit_note_number", "1"), ("can_make", "phased_return"),
                          ("can_make", "altered_hours")])
    assert parsed.command is not None
    assert [o.value for o in parsed.command.can_make] == ["phased_return", "altered_hours"]
    refused = parse(form, [("fit_note_number", "1")])
    assert [(e.text, e.href) for e in refused.errors] == [
        ("Select at least 1 for can make", "#can_make")]


def test_an_optional_nested_model_left_blank_is_left_out() -> None:
    form = form_for(Action.START_REDEPLOYMENT_TRIAL)
    example = {k: v for k, v in RULES[Action.START_REDEPLOYMENT_TRIAL].example.items()
               if k != "match"}
    parsed = parse(form, encode(form, example))
    assert parsed.command is not None and parsed.command.match is None


def test_choices_read_as_words_with_their_acronyms() -> None:
    note = next(f for f in form_for(Action.ADD_CASE_NOTE).fields if f.name == "visibility")
    assert dict(note.options)["oh_only"] == "OH only"
    kind = next(f for f in form_for(Action.REFER_TO_THERAPY).fields if f.name == "kind")
    assert dict(kind.options)["other_msk"] == "Other MSK"
    tier = next(f for f in form_for(Action.RECORD_ASSESSMENT).fields if f.name == "tier")
    assert dict(tier.options)["1"] == "1: Self help"


def test_an_optional_choice_offers_not_given() -> None:
    form = form_for(Action.MOVE_APPOINTMENT)
    html = rendered(form.with_values(None))
    assert "Not given" in html
    pairs = [*encode(form, {"appointment_number": 1, "at": "2026-11-26T14:30:00+00:00",
                            "reason": "Asked"}), ("method", "")]
    parsed = parse(form, pairs)
    assert parsed.command is not None and parsed.command.method is None


def test_defaults_are_chosen_on_a_blank_form() -> None:
    form = form_for(Action.ADD_CASE_NOTE).with_values(None)
    visibility = next(f for f in form.fields if f.name == "visibility")
    assert visibility.value == "oh_only"


def test_a_whole_model_refusal_links_to_the_first_question() -> None:
    form = form_for(Action.RECORD_FIT_NOTE)
    example = dict(RULES[Action.RECORD_FIT_NOTE].example)
    example.pop("days")
    parsed = parse(form, encode(form, example))
    if parsed.errors:  # only when the model asks for an end date or a number of days
        assert parsed.errors[0].href.startswith("#")
        assert "Value error" not in parsed.errors[0].text


def test_a_refusal_from_the_case_is_linked_to_its_field_in_plain_words() -> None:
    form = form_for(Action.RECORD_EARLY_CONTACT)
    refused = refusal_errors(form, [{
        "field": "contacted_at",
        "message": "must not be in the future (now is 2026-11-30T16:05:12.123+00:00)"}])
    assert [(e.text, e.href) for e in refused.errors] == [(
        "Date and time of contact must not be in the future (now is 30 November 2026 at "
        "16:05)", "#contacted_at-day")]
    assert refused.field_errors == {"contacted_at": refused.errors[0].text}


def test_a_refusal_naming_no_field_of_the_form_links_to_the_first_question() -> None:
    form = form_for(Action.RECORD_ASSESSMENT)
    refused = refusal_errors(form, [{"field": "assessor", "message": "name someone"}])
    assert refused.errors[0].href == "#kind"


def test_plain_words_say_dates_the_uk_way_and_field_names_as_words() -> None:
    assert plain_words("before 2026-11-02, see first_day") == "before 2 November 2026, " \
        "see first day"
    assert plain_words("at 2026-07-01T08:15:00+00:00") == "at 1 July 2026 at 09:15"


def test_a_field_type_the_generator_does_not_know_fails_loudly() -> None:
    class Odd(BaseModel):
        ratio: complex = Field()

    with pytest.raises(UnsupportedField, match="ratio"):
        from api.web.forms import _fields

        _fields(Odd, "")


def test_a_retyped_form_keeps_what_was_typed_and_the_rows_posted() -> None:
    form = form_for(Action.START_PHASED_RETURN)
    pairs = [(f"weeks.{i}.week", str(i + 1)) for i in range(8)]
    again = form.with_values(pairs)
    weeks = next(f for f in again.fields if f.name == "weeks")
    assert len(weeks.children) == 8
    assert weeks.children[7].children[0].value == "8"


def test_dates_are_filled_back_as_typed() -> None:
    form = form_for(Action.COMPLETE_PHASED_RETURN)
    again = form.with_values([("completed_on[day]", "31"), ("completed_on[month]", "2"),
                              ("completed_on[year]", "2026")])
    assert again.fields[0].value == {"day": "31", "month": "2", "year": "2026"}


def _unordered(value: Any) -> Any:
    """A dumped model with its lists of choices as sets: their order carries nothing."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, Enum) for v in value):
            return frozenset(value)
        return [_unordered(v) for v in value]
    return value


def _leaves(fields: Any) -> list[FormField]:
    found: list[FormField] = []
    for f in fields:
        if f.kind in ("group", "rows"):
            found.extend(_leaves(f.children))
        else:
            found.append(f)
    return found
