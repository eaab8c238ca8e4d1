"""The go-live import's rows: the CSV columns of `rtw absences import`, derived from the model
`POST /v1/absences` reads (`AbsenceNotification`), and each row checked by that same model.

A nested field becomes one column per inner field, named `outer_inner` (`employee.email` is
`employee_email`, `sick_pay.full_pay_days` is `sick_pay_full_pay_days`), so a field added to the
model is a column here without an edit. A required column must be in the header; an empty cell
is a field not given.
"""

from __future__ import annotations

import csv
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from api.models import AbsenceNotification


@dataclass(frozen=True)
class Column:
    """One CSV column and the field of the model it fills."""

    name: str
    path: tuple[str, ...]
    required: bool
    accepted: str


@dataclass(frozen=True)
class Rejection:
    """One bad field of one row: where, what was given, what was wrong, what is accepted."""

    line: int
    column: str
    value: str
    problem: str
    accepted: str


REJECT_HEADER = ("line", "column", "value", "problem", "accepted")


class BadFile(Exception):
    """The file as a whole cannot be imported (one line, exit code 2)."""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside `X | None`, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(inner) == 1:
            return inner[0], True
    return annotation, False


def _pattern_in_words(pattern: str) -> str:
    from api.models import ID_PATTERN
    from domain.actors import PRINTABLE

    known = {ID_PATTERN: "1 to 100 letters, digits and . _ : - (no spaces)",
             PRINTABLE: "no control characters"}
    return known.get(pattern, f"matching {pattern}")


def accepted_text(annotation: Any, metadata: Iterable[Any]) -> str:
    """What a cell may hold, in words, from the field's type and constraints."""
    kind, _ = _unwrap(annotation)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return "one of: " + ", ".join(str(member.value) for member in kind)
    if kind is date:
        return "a date, YYYY-MM-DD"
    if getattr(kind, "__name__", "") == "EmailStr":
        return "an email address"
    found: dict[str, Any] = {}
    for item in metadata:
        for attribute in ("ge", "le", "min_length", "max_length", "pattern"):
            if getattr(item, attribute, None) is not None:
                found[attribute] = getattr(item, attribute)
    if kind is int:
        text = "a whole number"
        if "ge" in found and "le" in found:
            text += f" from {found['ge']} to {found['le']}"
        return text
    text = "text"
    if "max_length" in found:
        text += f" of {found.get('min_length', 0)} to {found['max_length']} characters"
    if "pattern" in found:
        text += f", {_pattern_in_words(found['pattern'])}"
    return text


def _is_list(annotation: Any) -> bool:
    """A list of values has no one cell to live in: a row leaves it out."""
    return get_origin(_unwrap(annotation)[0]) in (tuple, list)


def columns_of(model: type[BaseModel]) -> list[Column]:
    """The model's fields as flat columns, nested models flattened one level; lists are
    left out (a CSV row holds one value per cell)."""
    found: list[Column] = []
    for name, field in model.model_fields.items():
        kind, _ = _unwrap(field.annotation)
        if _is_list(field.annotation):
            continue
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            for inner_name, inner in kind.model_fields.items():
                if _is_list(inner.annotation):
                    continue
                found.append(Column(
                    name=f"{name}_{inner_name}", path=(name, inner_name),
                    required=field.is_required() and inner.is_required(),
                    accepted=accepted_text(inner.annotation, inner.metadata),
                ))
        else:
            found.append(Column(name=name, path=(name,), required=field.is_required(),
                                accepted=accepted_text(field.annotation, field.metadata)))
    return found


def absence_model() -> type[AbsenceNotification]:
    from api.models import AbsenceNotification

    return AbsenceNotification


def body_of(cells: dict[str, str], columns: list[Column]) -> dict[str, Any]:
    """The request body a row stands for: empty cells left out, nested fields gathered.
    A required nested field is always sent (so each missing inner field is named); an optional
    one only when one of its cells is filled."""
    body: dict[str, Any] = {}
    for column in columns:
        text = cells.get(column.name, "").strip()
        if len(column.path) == 1:
            if text:
                body[column.name] = text
            continue
        outer, inner = column.path
        if column.required:
            body.setdefault(outer, {})
        if text:
            body.setdefault(outer, {})[inner] = text
    return body


def column_for(location: Iterable[Any], columns: list[Column]) -> str:
    """The column a field's location names (`employee.email`, ("employee", "email"))."""
    parts = tuple(str(p) for p in location if p != "body")
    if len(parts) == 1 and "." in parts[0]:
        parts = tuple(parts[0].split("."))
    for column in columns:
        if parts[:len(column.path)] == column.path:
            return column.name
    # A whole person named (a repeat that differs in its `manager`): the person's id column.
    inside = [column for column in columns if column.path[:len(parts)] == parts]
    for column in inside:
        if column.path[-1] == "id":
            return column.name
    return inside[0].name if inside else "_".join(parts)


def accepted_for(column_name: str, columns: list[Column]) -> str:
    for column in columns:
        if column.name == column_name:
            return column.accepted
    return ""


def check_row(row: Row, columns: list[Column], model: type[BaseModel]
              ) -> tuple[dict[str, Any] | None, list[Rejection]]:
    """The body to post (as the model dumps it), or each bad field of the row."""
    line, cells = row.line, row.cells
    if row.overflow:
        return None, [Rejection(line=line, column="", value="", problem="more cells than "
                                "the header has columns", accepted="one cell per column")]
    body = body_of(cells, columns)
    try:
        checked = model.model_validate(body)
    except ValidationError as error:
        rejections = []
        for problem in error.errors(include_url=False):
            column = column_for(problem["loc"], columns)
            message = "missing" if problem["type"] == "missing" else problem["msg"]
            rejections.append(Rejection(line=line, column=column,
                                        value=cells.get(column, "").strip(), problem=message,
                                        accepted=accepted_for(column, columns)))
        return None, rejections
    return checked.model_dump(mode="json", exclude_none=True, exclude_defaults=True), []


@dataclass(frozen=True)
class Row:
    """One row of the file: the line it starts on and its cells by column."""

    line: int
    cells: dict[str, str]
    overflow: bool = False  # more cells than the header has columns


def read_rows(lines: Iterable[str], columns: list[Column]) -> Iterator[Row]:
    """Each row with the line it starts on (the header is line 1). A header without a
    required column, or with a column the model does not have, is a bad file."""
    reader = csv.reader(iter(lines))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise BadFile("the file is empty; the first line names the columns") from None
    except csv.Error as error:
        raise BadFile(f"not CSV ({error})") from None
    known = {column.name for column in columns}
    unknown = [name for name in header if name not in known]
    if unknown:
        raise BadFile(f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are "
                      f"{', '.join(column.name for column in columns)}")
    missing = [c.name for c in columns if c.required and c.name not in header]
    if missing:
        raise BadFile(f"missing required column(s) {', '.join(missing)}")
    seen = set()
    for name in header:
        if name in seen:
            raise BadFile(f"column {name!r} is named twice")
        seen.add(name)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise BadFile(f"line {start}: not CSV ({error})") from None
        if not row or not any(cell.strip() for cell in row):
            continue  # a blank line
        yield Row(line=start, cells=dict(zip(header, row, strict=False)),
                  overflow=len(row) > len(header))
