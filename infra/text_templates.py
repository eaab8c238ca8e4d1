"""The template language of notice texts: what a template may see (`NoticeContext`), the filters
it may use (`day`, `london`), and the sandbox that compiles it. Shipped texts and employers' own
texts are compiled here alike, so an employer's text can use nothing a shipped one cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import NoReturn

from jinja2 import StrictUndefined, Template, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from domain.actors import Role
from domain.calendar import LONDON
from domain.notices import NoticeKind


@dataclass(frozen=True)
class NoticeContext:
    """Everything a notice's text may show; the relay builds one per notice it sends.

    Any fact but the ids, the kind and the role may be unknown (None), and a text must read
    well without it. Notices to a mailbox (`MAILBOX_ROLES`) are rendered without the names.
    """

    notice_id: str
    case_id: str
    employer_id: str
    kind: NoticeKind
    recipient_role: Role
    recipient_name: str | None
    employee_name: str | None
    manager_name: str | None
    first_day: date | None
    """The first day of the absence."""
    due_at: datetime | None
    escalation_number: int | None
    absent_days: int | None
    effective_on: date | None
    case_url: str | None
    """A link to the case page, where there is one; templates show it only if it is set."""
    sign_in_url: str | None = None
    """An employee's one-time sign-in link: set by the relay when it sends that notice only,
    so no inbox or stored text ever shows it."""


VARIABLES = tuple(field.name for field in fields(NoticeContext))
"""The only names a notice template may use, in the order `NoticeContext` declares them."""

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def day(value: date) -> str:
    """A date as `Tuesday 1 December 2026` (an aware moment: its date in London).

    The names are spelled here, not taken from the locale, so a process started under another
    locale still writes English.
    """
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date() if _is_aware(value) else _naive(value)
    if not isinstance(value, date):
        raise TypeError(f"day: expected a date, got {value!r}")
    return f"{_WEEKDAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def london(moment: datetime) -> str:
    """An aware moment in London time: `Tuesday 1 December 2026 at 5pm` (or `5:30pm`).

    Midday is `midday`; midnight belongs to the day it ends (`Monday ... at midnight` is the
    moment Tuesday begins), which is how people read a deadline.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"london: expected a moment, got {moment!r}")
    if not _is_aware(moment):
        _naive(moment)
    local = moment.astimezone(LONDON)
    if local.time() == time(0, 0):
        return f"{day(local.date() - timedelta(days=1))} at midnight"
    return f"{day(local.date())} at {_clock(local.time())}"


def _clock(at: time) -> str:
    if at.hour == 12 and at.minute == 0:
        return "midday"
    hour = at.hour % 12 or 12
    suffix = "am" if at.hour < 12 else "pm"
    return f"{hour}{suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d}{suffix}"


def _is_aware(moment: datetime) -> bool:
    return moment.utcoffset() is not None


def _naive(moment: datetime) -> NoReturn:
    raise ValueError(f"{moment.isoformat()} has no time zone: London time would be a guess")


def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        undefined=StrictUndefined,
        # Plain text for mail and Notify, never HTML: escaping would show `&amp;` in a name.
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        # An unset fact prints as nothing rather than "None".
        finalize=lambda value: "" if value is None else value,
    )
    # Only the notice's own facts: no range(), lipsum() or namespace() for a template to use.
    environment.globals.clear()
    environment.filters["london"] = london
    environment.filters["day"] = day
    return environment


_ENVIRONMENT = _environment()


def compile_text(source: str) -> Template:
    """Compile one notice template (a subject or a body).

    Raises ValueError, one line, for a syntax error, an unknown filter or a variable that is
    not a field of `NoticeContext`.
    """
    try:
        parsed = _ENVIRONMENT.parse(source)
        unknown = sorted(meta.find_undeclared_variables(parsed).difference(VARIABLES))
        template = _ENVIRONMENT.from_string(parsed)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        where = f"line {line}: " if line else ""
        raise ValueError(f"template does not compile: {where}{error.message}") from None
    if unknown:
        raise ValueError(f"template uses {', '.join(unknown)}, which no notice has; it may use "
                         f"{', '.join(VARIABLES)}")
    return template

