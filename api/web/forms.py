"""Action forms made from the command models of the action table, never written by hand.

`form_for(action)` reads the command's fields and gives the form's fields: text inputs (a
textarea for long text), NHS date inputs for dates, date and time for moments (typed as UK
time), radios for choices and yes/no questions, checkboxes for lists of choices, one line each
for lists of words, and fieldsets for nested models (a fixed number of rows for lists of them;
rows left blank are dropped). `parse` turns the posted form back into the command, or into the
errors of an NHS error summary, each linked to its field. A field type the generator does not
know fails loudly (`UnsupportedField`): a unit test renders every command of the table.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from annotated_types import MaxLen
from pydantic import AwareDatetime, BaseModel, ValidationError
from pydantic.fields import FieldInfo

from domain.actions import RULES
from domain.calendar import LONDON
from domain.journey.base import SHORT
from domain.stages import Action
from reports.tables import label as code_label

Kind = Literal["text", "textarea", "number", "date", "datetime", "radios", "checkboxes",
               "lines", "group", "rows"]
Pairs = Sequence[tuple[str, str]]

ROWS = 3
"""Blank rows offered for a list of nested models (a phased return's weeks get more)."""
_ROWS_BY_NAME = {"weeks": 6}

SERVER_FILLED: dict[Action, frozenset[str]] = {
    Action.RECORD_ASSESSMENT: frozenset({"assessor"}),
    Action.CONFIRM_ESCALATION: frozenset({"professional"}),
}
"""Fields the server fills from the signed-in person (`api.professional`): never asked."""

# Words for field names the humanised name says badly; a field's own `title` wins over these.
_LABELS = {
    "contacted_at": "Date and time of contact",
    "agreed_contact_frequency_days": "Days between contacts",
    "assessed_at": "Date and time of the assessment",
    "agreed_at": "Date and time the plan was agreed",
    "at": "Date and time",
    "on": "Date",
    "rapid_access": "Rapid access",
    "oh": "OH",
    "on_oh_advice": "On OH advice",
    "user_id": "User ID",
    "document_id": "Document ID",
    "sha256": "SHA-256 digest",
    "size_bytes": "Size in bytes",
    "vacancy_ref": "Vacancy reference",
    "share_with_hr": "Share with HR",
    "due_on": "Due on",
    "fine": "Is the self-help enough",
    "hours": "Hours a week",
}
_HINTS = {
    "contacted_at": "When contact was made, in UK time.",
    "visibility": "Whether the employee may read the note.",
    "lines": "One on each line.",
}
_ACRONYMS = {"oh": "OH", "hr": "HR", "gp": "GP", "msk": "MSK", "id": "ID", "nhs": "NHS"}
# Hints written for the API's readers, not for people filling in a form.
_API_WORDS = re.compile(r"\bAPI\b|ISO 8601|`|\bbody\b|\bNone\b")


class UnsupportedField(TypeError):
    """A command field whose type no form control fits yet."""


@dataclass(frozen=True)
class FormField:
    """One question of a form (or a fieldset of them), with what was typed and its error."""

    kind: Kind
    name: str
    label: str
    hint: str | None = None
    optional: bool = False
    options: tuple[tuple[str, str], ...] = ()
    children: tuple[FormField, ...] = ()
    default: str | None = None
    inputmode: str | None = None
    value: Any = None
    error: str | None = None
    time_error: str | None = None
    """datetime: an error about the time, shown at the time rather than the date."""
    row: FormField | None = None
    """rows: the blank row every row is made from."""
    rows: int = 0
    parse_as: str = "str"
    """How a posted value becomes the model's: str, int, float, bool, enum-int."""

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")

    @property
    def href(self) -> str:
        """Where an error summary's link goes: the first control of the field."""
        if self.kind in ("date", "datetime"):
            return f"#{self.id}-day"
        if self.kind in ("group", "rows") and self.children:
            return self.children[0].href
        if self.kind == "rows" and self.row is not None:
            return _row(self.row, 0).href
        return f"#{self.id}"

    @property
    def legend(self) -> str:
        return self.label + (" (optional)" if self.optional else "")


@dataclass(frozen=True)
class Form:
    """An action's form: its fields, and the command it makes."""

    action: Action
    command: type[BaseModel]
    fields: tuple[FormField, ...]
    title: str
    summary: str

    def with_values(self, pairs: Pairs | None, errors: Mapping[str, str] | None = None
                    ) -> Form:
        """The form as typed (`pairs` as posted; None: a blank form with the defaults)."""
        posted = _Posted(pairs) if pairs is not None else None
        return replace(self, fields=tuple(_filled(f, posted, errors or {})
                                          for f in self.fields))


@dataclass(frozen=True)
class ErrorItem:
    """One line of an NHS error summary, linked to its field."""

    text: str
    href: str

    def as_summary(self) -> dict[str, str]:
        return {"text": self.text, "href": self.href}


@dataclass
class Parsed:
    """A posted form read back: the command, or the errors naming each field."""

    command: BaseModel | None
    errors: list[ErrorItem] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)


# --- building a form from a command model ----------------------------------------------------


def humanise(name: str) -> str:
    """`agreed_contact_frequency_days` -> 'Agreed contact frequency days'."""
    words = [_ACRONYMS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def action_title(action: Action) -> str:
    """An action's name as a page says it: 'Record early contact'."""
    return humanise(action.value)


def option_label(value: enum.Enum) -> str:
    """A choice as a person reads it: the report's words where it has them."""
    code = value.name.lower() if isinstance(value, enum.IntEnum) else str(value.value)
    words = code_label(code)
    if words == code.replace("_", " ").capitalize():  # the report has no words of its own
        words = humanise(code)
    return f"{value.value}: {words}" if isinstance(value, enum.IntEnum) else words


def form_for(action: Action) -> Form:
    """The form of an action, from its command in the action table."""
    command = RULES[action].command
    skip = SERVER_FILLED.get(action, frozenset())
    doc = (command.__doc__ or "").strip()
    first_paragraph = " ".join(doc.split("\n\n")[0].split()).replace("`", "")
    summary = plain_words(first_paragraph) if doc else ""
    return Form(action=action, command=command, title=action_title(action), summary=summary,
                fields=_fields(command, "", skip))


def _fields(model: type[BaseModel], prefix: str, skip: frozenset[str] = frozenset()
            ) -> tuple[FormField, ...]:
    return tuple(_field(f"{prefix}{name}", name, info)
                 for name, info in model.model_fields.items() if name not in skip)


def _label(name: str, info: FieldInfo) -> str:
    return info.title or _LABELS.get(name) or humanise(name)


def _hint(name: str, info: FieldInfo) -> str | None:
    if name in _HINTS:
        return _HINTS[name]
    hint = info.description
    if not hint or _API_WORDS.search(hint):
        return None
    return plain_words(hint)


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """The type inside Optional[...] and Annotated[...], whether None is allowed, and the
    Annotated metadata found on the way."""
    optional = False
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            metadata.extend(annotation.__metadata__)
            annotation = annotation.__origin__
        elif origin in (typing.Union, types.UnionType):
            arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(arguments) != 1:
                raise UnsupportedField(f"a union of {arguments}")
            optional = optional or len(arguments) < len(typing.get_args(annotation))
            annotation = arguments[0]
        else:
            return annotation, optional, metadata


def _max_length(metadata: Iterable[Any]) -> int | None:
    for item in metadata:
        limit = getattr(item, "max_length", None)
        if isinstance(item, MaxLen) or isinstance(limit, int):
            return int(limit) if limit is not None else None
    return None


def _field(path: str, name: str, info: FieldInfo) -> FormField:
    annotation, nullable, metadata = _unwrap(info.annotation)
    optional = nullable or not info.is_required()
    default = info.default if not info.is_required() else None
    base = FormField(kind="text", name=path, label=_label(name, info), hint=_hint(name, info),
                     optional=optional)
    try:
        return _control(base, name, annotation, [*info.metadata, *metadata], default)
    except UnsupportedField as unsupported:
        raise UnsupportedField(f"{path}: {unsupported}") from None


def _control(base: FormField, name: str, annotation: Any, metadata: list[Any],
             default: Any) -> FormField:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        arguments = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        if len(arguments) != 1:
            raise UnsupportedField(f"a {origin.__name__} of {arguments}")
        return _list_control(base, name, arguments[0])
    if not isinstance(annotation, type):
        raise UnsupportedField(repr(annotation))
    if annotation is AwareDatetime or issubclass(annotation, datetime):
        return replace(base, kind="datetime")
    if issubclass(annotation, date):
        return replace(base, kind="date")
    if issubclass(annotation, bool):
        chosen = None if default is None else ("true" if default else "false")
        return replace(base, kind="radios", options=(("true", "Yes"), ("false", "No")),
                       default=chosen, parse_as="bool")
    if issubclass(annotation, enum.Enum):
        chosen = None if not isinstance(default, enum.Enum) else str(default.value)
        return replace(base, kind="radios", default=chosen,
                       options=tuple((str(m.value), option_label(m)) for m in annotation),
                       parse_as="int" if issubclass(annotation, int) else "str")
    if issubclass(annotation, int):
        return replace(base, kind="number", inputmode="numeric", parse_as="int")
    if issubclass(annotation, float):
        return replace(base, kind="number", inputmode="decimal", parse_as="float")
    if issubclass(annotation, str):
        limit = _max_length(metadata)
        return replace(base, kind="textarea" if limit is not None and limit > SHORT else "text")
    if issubclass(annotation, BaseModel):
        return replace(base, kind="group", children=_fields(annotation, f"{base.name}."))
    raise UnsupportedField(annotation.__name__)


def _list_control(base: FormField, name: str, item: Any) -> FormField:
    item, _, metadata = _unwrap(item)
    if isinstance(item, type) and issubclass(item, enum.Enum):
        return replace(base, kind="checkboxes",
                       options=tuple((str(m.value), option_label(m)) for m in item))
    if item is str:
        return replace(base, kind="lines", hint=" ".join(
            part for part in (base.hint, _HINTS["lines"]) if part))
    row_base = FormField(kind="text", name=f"{base.name}.#", label=base.label)
    row = _control(row_base, name, item, metadata, None)
    return replace(base, kind="rows", row=row, rows=_ROWS_BY_NAME.get(name, ROWS))


def _row(template: FormField, index: int) -> FormField:
    """Row `index` (from 0) of a list: the blank row with its names numbered."""
    def numbered(f: FormField) -> FormField:
        return replace(f, name=f.name.replace(".#", f".{index}", 1),
                       children=tuple(numbered(c) for c in f.children))
    row = numbered(template)
    return replace(row, label=f"{template.label} {index + 1}", optional=False)


# --- filling a form with what was typed ------------------------------------------------------


class _Posted:
    """The posted pairs, by name (checkboxes send a name more than once)."""

    def __init__(self, pairs: Pairs) -> None:
        self.values: dict[str, list[str]] = {}
        for key, value in pairs:
            self.values.setdefault(key, []).append(value)

    def get(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, name: str) -> list[str]:
        return [v for v in self.values.get(name, []) if v != ""]

    def blank_under(self, name: str) -> bool:
        """Nothing typed in any control whose name starts with `name`."""
        return all(not "".join(v).strip() for key, v in self.values.items()
                   if key == name or key.startswith((f"{name}.", f"{name}[")))

    def row_count(self, name: str) -> int:
        """How many rows of the list `name` were posted (their highest number, plus one)."""
        pattern = re.compile(re.escape(name) + r"\.(\d+)[.\[]")
        numbers = [int(m.group(1)) for key in self.values if (m := pattern.match(key))]
        return max(numbers) + 1 if numbers else 0


def _filled(f: FormField, posted: _Posted | None, errors: Mapping[str, str]) -> FormField:
    error = errors.get(f.name)
    if f.kind == "datetime" and f"{f.name}[time]" in errors:
        f = replace(f, time_error=errors[f"{f.name}[time]"])
    if f.kind == "group":
        return replace(f, error=error,
                       children=tuple(_filled(c, posted, errors) for c in f.children))
    if f.kind == "rows" and f.row is not None:
        count = max(f.rows, posted.row_count(f.name) if posted else 0)
        return replace(f, error=error, children=tuple(
            _filled(_row(f.row, i), posted, errors) for i in range(count)))
    if posted is None:
        value: Any = f.default if f.kind == "radios" else ""
        if f.kind in ("date", "datetime"):
            value = {}
        elif f.kind == "checkboxes":
            value = []
        return replace(f, value=value, error=error)
    if f.kind in ("date", "datetime"):
        value = {part: posted.get(f"{f.name}[{part}]") for part in _PARTS[f.kind]}
    elif f.kind == "checkboxes":
        value = posted.all(f.name)
    else:
        value = posted.get(f.name)
    return replace(f, value=value, error=error)


_PARTS = {"date": ("day", "month", "year"), "datetime": ("day", "month", "year", "time")}


# --- a body as form pairs (what a person would type for it) ----------------------------------


def encode(form: Form, body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The pairs a browser posts when the form is filled in with `body` (JSON values)."""
    pairs: list[tuple[str, str]] = []
    for f in form.fields:
        _encode(f, body.get(f.name.rsplit(".", 1)[-1]), pairs)
    return pairs


def _encode(f: FormField, value: Any, pairs: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if f.kind == "group":
        for child in f.children:
            _encode(child, value.get(child.name.rsplit(".", 1)[-1]), pairs)
    elif f.kind == "rows" and f.row is not None:
        for index, item in enumerate(value):
            _encode(_row(f.row, index), item, pairs)
    elif f.kind == "date":
        day = date.fromisoformat(value) if isinstance(value, str) else value
        pairs += [(f"{f.name}[day]", str(day.day)), (f"{f.name}[month]", str(day.month)),
                  (f"{f.name}[year]", str(day.year))]
    elif f.kind == "datetime":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        local = moment.astimezone(LONDON)
        pairs += [(f"{f.name}[day]", str(local.day)), (f"{f.name}[month]", str(local.month)),
                  (f"{f.name}[year]", str(local.year)),
                  (f"{f.name}[time]", local.strftime("%H:%M"))]
    elif f.kind == "checkboxes":
        pairs += [(f.name, str(v)) for v in value]
    elif f.kind == "lines":
        pairs.append((f.name, "\n".join(str(v) for v in value)))
    elif f.kind == "radios" and isinstance(value, bool):
        pairs.append((f.name, "true" if value else "false"))
    else:
        pairs.append((f.name, str(value)))


# --- reading a posted form back --------------------------------------------------------------


class _Unreadable(ValueError):
    """A control's text that cannot be the value it asks for (say, 31 February); `part` names
    the control of a date or time the error summary links to."""

    def __init__(self, message: str, part: str = "day") -> None:
        super().__init__(message)
        self.part = part


def parse(form: Form, pairs: Pairs) -> Parsed:
    """The command the posted form makes, or the errors of each field in plain words."""
    posted = _Posted(pairs)
    own_errors: dict[str, str] = {}
    rows_kept: dict[str, list[int]] = {}
    data = _read_fields(form.fields, posted, own_errors, rows_kept)
    try:
        command = form.command.model_validate(data)
    except ValidationError as invalid:
        errors = dict(own_errors)
        unreadable = {key.partition("[")[0] for key in own_errors}
        for error in invalid.errors():
            name = _form_name(error["loc"], rows_kept)
            target = _field_named(form, name)
            key = target.name if target else ""
            if key not in errors and key not in unreadable:
                errors[key] = _message(error, target)
        return _with_errors(form, errors)
    if own_errors:
        return _with_errors(form, own_errors)
    return Parsed(command=command)


def refusal_errors(form: Form, errors: Iterable[Mapping[str, Any]]) -> Parsed:
    """The field errors of a refusal the case sent back (a problem's `errors`), linked."""
    found: dict[str, str] = {}
    for error in errors:
        name = str(error.get("field") or "")
        target = _field_named(form, name)
        key = target.name if target else ""
        text = plain_words(str(error.get("message") or "is not accepted"))
        found.setdefault(key, _sentence(target, text))
    return _with_errors(form, found)


def _with_errors(form: Form, errors: Mapping[str, str]) -> Parsed:
    first = _leaves(form.fields)
    items: list[ErrorItem] = []
    field_errors: dict[str, str] = {}
    for key, text in errors.items():
        name, _, part = key.rstrip("]").partition("[")
        target = _field_named(form, name) if name else None
        if target is None:
            target = first[0] if first else None
        href = target.href if target else "#maincontent"
        if target is not None and part and target.kind in ("date", "datetime"):
            href = f"#{target.id}-{part}"
        items.append(ErrorItem(text=text, href=href))
        if target is not None:
            held = _error_holder(target).name
            field_errors.setdefault(f"{held}[time]" if part == "time" else held, text)
    return Parsed(command=None, errors=items, field_errors=field_errors)


def _error_holder(f: FormField) -> FormField:
    """Where an error is shown beside the field: the first control of a fieldset."""
    while f.kind in ("group", "rows") and f.children:
        f = f.children[0]
    return f


def _leaves(fields: Iterable[FormField]) -> list[FormField]:
    found: list[FormField] = []
    for f in fields:
        found.extend(_leaves(f.children) if f.kind in ("group", "rows") else [f])
    return found


def _read_fields(fields: Iterable[FormField], posted: _Posted, errors: dict[str, str],
                 rows_kept: dict[str, list[int]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in fields:
        key = f.name.rsplit(".", 1)[-1]
        try:
            value = _read(f, posted, errors, rows_kept)
        except _Unreadable as unreadable:
            errors[f"{f.name}[{unreadable.part}]"] = str(unreadable)
            continue
        if value is not _OMIT:
            data[key] = value
    return data


_OMIT = object()


def _read(f: FormField, posted: _Posted, errors: dict[str, str],
          rows_kept: dict[str, list[int]]) -> Any:
    if f.kind == "group":
        if f.optional and posted.blank_under(f.name):
            return _OMIT
        return _read_fields(f.children, posted, errors, rows_kept)
    if f.kind == "rows" and f.row is not None:
        items, kept = [], []
        for index in range(posted.row_count(f.name)):
            row = _row(f.row, index)
            if posted.blank_under(row.name):
                continue
            try:
                value = _read(row, posted, errors, rows_kept)
            except _Unreadable as unreadable:
                errors[f"{row.name}[{unreadable.part}]"] = str(unreadable)
                value = _OMIT
            kept.append(index)
            items.append(None if value is _OMIT else value)
        rows_kept[f.name] = kept
        return items
    if f.kind == "date":
        parts = [posted.get(f"{f.name}[{p}]").strip() for p in ("day", "month", "year")]
        return _OMIT if not any(parts) else _date(f, *parts)
    if f.kind == "datetime":
        parts = [posted.get(f"{f.name}[{p}]").strip() for p in ("day", "month", "year")]
        clock = posted.get(f"{f.name}[time]").strip()
        if not any(parts) and not clock:
            return _OMIT
        return _moment(f, _date(f, *parts), clock)
    if f.kind == "checkboxes":
        return posted.all(f.name)
    if f.kind == "lines":
        return [line.strip() for line in posted.get(f.name).splitlines() if line.strip()]
    text = posted.get(f.name).strip()
    if text == "":
        return _OMIT
    if f.parse_as == "bool":
        return {"true": True, "false": False}.get(text, text)
    if f.parse_as == "int" and f.kind == "radios":
        return int(text) if text.isdigit() else text
    return text


def _date(f: FormField, day: str, month: str, year: str) -> date:
    named = f.label
    missing = [name for name, part in (("day", day), ("month", month), ("year", year))
               if not part]
    if len(missing) == 3:
        raise _Unreadable(f"Enter the {named.lower()}" if f.kind == "date"
                          else f"Enter the date of {named[:1].lower() + named[1:]}")
    if missing:
        raise _Unreadable(f"{named} must include a {' and '.join(missing)}", missing[0])
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        raise _Unreadable(f"{named} must be a real date, in numbers")
    if len(year) != 4:
        raise _Unreadable(f"{named}: the year must have 4 numbers", "year")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _Unreadable(f"{named} must be a real date") from None


_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def _moment(f: FormField, day: date, clock: str) -> datetime:
    if not clock:
        raise _Unreadable(f"Enter the time of {f.label[:1].lower() + f.label[1:]}", "time")
    found = _CLOCK.match(clock)
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise _Unreadable(f"{f.label}: enter the time as hours and minutes, like 14:30",
                          "time")
    local = datetime.combine(day, time(int(found.group(1)), int(found.group(2))),
                             tzinfo=LONDON)
    if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != local.replace(
            tzinfo=None):
        raise _Unreadable(f"{f.label}: that time did not exist in the UK (the clocks went "
                          "forward)", "time")
    return local


def _form_name(loc: Sequence[int | str], rows_kept: Mapping[str, list[int]]) -> str:
    """A pydantic error's location as the name of the form's control (rows left blank were
    dropped, so the list's positions are mapped back to the rows typed in)."""
    parts: list[str] = []
    for part in loc:
        so_far = ".".join(parts)
        if isinstance(part, int) and so_far in rows_kept and part < len(rows_kept[so_far]):
            parts.append(str(rows_kept[so_far][part]))
        else:
            parts.append(str(part))
    return ".".join(parts)


def _field_named(form: Form, name: str) -> FormField | None:
    """The form's field of this name, or of the nearest name above it (a list item's error
    belongs to the list)."""
    parts = name.split(".") if name else []
    while parts:
        found = _find(form.fields, ".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def _find(fields: Iterable[FormField], name: str) -> FormField | None:
    for f in fields:
        if f.name == name:
            return f
        if f.kind == "group":
            found = _find(f.children, name)
        elif f.kind == "rows" and f.row is not None and name.startswith(f"{f.name}."):
            index = name[len(f.name) + 1:].split(".", 1)[0]
            found = _find([_row(f.row, int(index))], name) if index.isdigit() else None
        else:
            found = None
        if found is not None:
            return found
    return None


# --- pydantic's errors in plain words --------------------------------------------------------


def _message(error: Mapping[str, Any], target: FormField | None) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    what = target.label if target else "The form"
    choose = target is not None and target.kind in ("radios", "checkboxes")
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        if target is not None and target.kind == "radios" and target.parse_as == "bool":
            return f"Select yes or no for {_lower(what)}"
        if choose:
            return f"Select {_lower(what)}"
        if target is not None and target.kind in ("date", "datetime"):
            return f"Enter the {_lower(what)}"
        return f"Enter {_lower(what)}"
    if kind in ("enum", "literal_error", "bool_parsing"):
        return f"Select {_lower(what)} from the choices"  # noqa: S608 (words, not SQL)
    if kind in ("too_short",):
        least = context.get("min_length", 1)
        if choose:
            return f"Select at least {least} for {_lower(what)}"
        return f"Give at least {least} for {_lower(what)}"
    if kind in ("too_long",):
        return f"Give no more than {context.get('max_length')} for {_lower(what)}"
    if kind == "string_too_long":
        return f"{what} must be {context.get('max_length')} characters or fewer"
    if kind == "string_pattern_mismatch":
        return f"{what} is not in the form expected: check for stray characters"
    if kind in ("int_parsing", "int_from_float"):
        return f"{what} must be a whole number, like 7"
    if kind == "float_parsing":
        return f"{what} must be a number, like 7.5"
    if kind == "greater_than_equal":
        return f"{what} must be {_number(context.get('ge'))} or more"
    if kind == "greater_than":
        return f"{what} must be more than {_number(context.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        bound = _number(context.get("le", context.get("lt")))
        return (f"{what} must be {bound} or less" if kind == "less_than_equal"
                else f"{what} must be less than {bound}")
    text = str(error.get("msg", "is not accepted"))
    text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return _sentence(target, plain_words(text))


def _number(value: Any) -> Any:
    """A bound as a person writes it: 60, not 60.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _lower(text: str) -> str:
    """A label inside a sentence: first letter lower-case, unless it is an acronym."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() and len(first) > 1 else text[:1].lower() + text[1:]


def _sentence(target: FormField | None, text: str) -> str:
    """A refusal's words as a sentence about the field: 'must not be…' gets the label."""
    if target is not None and text[:1].islower():
        return f"{target.label} {text}"
    return text[:1].upper() + text[1:]


_ISO_MOMENT = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})")
_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def plain_words(text: str) -> str:
    """A refusal's text for a person: ISO moments and dates as UK dates and times, field
    names as words."""
    def moment(found: re.Match[str]) -> str:
        try:
            when = datetime.fromisoformat(found.group(0).replace("Z", "+00:00"))
        except ValueError:
            return found.group(0)
        return _say_moment(when)

    def day(found: re.Match[str]) -> str:
        try:
            return _say_day(date.fromisoformat(found.group(1)))
        except ValueError:
            return found.group(0)

    text = _ISO_DAY.sub(day, _ISO_MOMENT.sub(moment, text))
    return re.sub(r"\b([a-z]+(?:_[a-z0-9]+)+)\b", lambda m: humanise(m.group(1)).lower(), text)


def _say_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _say_moment(when: datetime) -> str:
    local = when.astimezone(LONDON)
    return f"{_say_day(local.date())} at {local:%H:%M}"
