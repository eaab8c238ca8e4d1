"""The words of every notice, written when it is sent from one template per kind.

The outbox keeps a notice's kind and a few facts (`domain.notices`); the relay gathers what it
knows into a `NoticeContext` and this module turns it into a subject and a body, from the
employer's own text for the kind if its file has one, else from `notice_templates/<kind>.txt`
(first line `Subject: ...`, a blank line, then the body).

A template sees the fields of `NoticeContext` and nothing else: no cause, reason, note or
opinion is ever handed to it, so no text can show one. A template that names any other variable
is refused when it is compiled (at load for an employer's file); `NoticeTexts.check` renders
every text once at start, so one that breaks on a missing fact fails then, not when it is due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib import resources

from jinja2 import Template, TemplateError

from domain.actors import Role
from domain.notices import NoticeKind
from infra.employers import EmployerDirectory
from infra.text_templates import VARIABLES, NoticeContext, compile_text, day, london

__all__ = ["MAILBOX_ROLES", "RECIPIENT_ROLES", "VARIABLES", "NoticeContext", "NoticeTexts",
           "RenderedText", "compile_text", "day", "london"]



@dataclass(frozen=True)
class RenderedText:
    """A notice in words. `fields`: every fact of its context as text (None as ""), with the
    subject and body, for a GOV.UK Notify template's personalisation."""

    subject: str
    body: str
    fields: dict[str, str]



# The roles notices go to; a text must read sensibly (and render) for each.
RECIPIENT_ROLES = (Role.MANAGER, Role.EMPLOYEE, Role.HR, Role.OH)

# Notices to HR and OH go to a shared mailbox that several people read and that mail clients
# preview, forward and index: they name the case by its id and no person. Anyone who needs the
# names signs in to rtw, where every read is recorded; a mailbox keeps no such record.
MAILBOX_ROLES = frozenset({Role.HR, Role.OH})

@dataclass(frozen=True)
class _Text:
    subject: Template
    body: Template


def _shipped_text(kind: NoticeKind) -> _Text:
    name = f"notice_templates/{kind.value}.txt"
    try:
        source = resources.files("infra").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"infra/{name}: missing; every notice kind needs a text") from None
    first, _, rest = source.partition("\n")
    blank, _, body = rest.partition("\n")
    if not first.startswith("Subject: ") or blank.strip():
        raise ValueError(f"infra/{name}: expected 'Subject: ...', a blank line, then the body")
    try:
        return _Text(compile_text(first.removeprefix("Subject: ")), compile_text(body))
    except ValueError as error:
        raise ValueError(f"infra/{name}: {error}") from None


def _as_seen_by_recipient(context: NoticeContext) -> NoticeContext:
    """The context without the names where the notice goes to a mailbox (see MAILBOX_ROLES):
    applied here, once, so neither an employer's text nor a Notify template can show them."""
    if context.recipient_role in MAILBOX_ROLES:
        return replace(context, recipient_name=None, employee_name=None, manager_name=None)
    return context


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return london(value)
    if isinstance(value, date):
        return day(value)
    return str(value)


class NoticeTexts:
    """Renders notices: the employer's own text for a kind where its file has one, else the
    text shipped with rtw. Every text is compiled when this is built."""

    def __init__(self, employers: EmployerDirectory | None = None) -> None:
        self._shipped = {kind: _shipped_text(kind) for kind in NoticeKind}
        self._overrides: dict[tuple[str, NoticeKind], _Text] = {}
        if employers is None:
            return
        for employer_id in employers.employers():
            for kind in NoticeKind:
                override = employers.text_override(employer_id, kind)
                if override is not None:
                    self._overrides[employer_id, kind] = _Text(
                        compile_text(override.subject), compile_text(override.body))

    def render(self, context: NoticeContext) -> RenderedText:
        seen = _as_seen_by_recipient(context)
        text = self._overrides.get((seen.employer_id, seen.kind)) or self._shipped[seen.kind]
        variables = {name: getattr(seen, name) for name in VARIABLES}
        # One line, whatever the template did: a line break in a mail subject starts a header.
        subject = " ".join(text.subject.render(variables).split())
        body = _tidy(text.body.render(variables))
        if not subject:
            raise ValueError(f"the {seen.kind.value} text rendered an empty subject")
        facts = {name: _as_text(getattr(seen, name)) for name in VARIABLES}
        return RenderedText(subject=subject, body=body, fields={
            **facts, "deadline": facts["due_at"], "subject": subject, "body": body})

    def check(self) -> None:
        """Render every shipped and employer text for every recipient role, once with every
        fact known and once with every optional fact missing; raise ValueError naming the
        first text that fails. Call at start."""
        sources: list[tuple[str, str, NoticeKind]] = [
            ("", "shipped", kind) for kind in NoticeKind]
        sources += [(employer_id, f"employer {employer_id} (texts.{kind.value})", kind)
                    for employer_id, kind in sorted(self._overrides)]
        for employer_id, label, kind in sources:
            for role in RECIPIENT_ROLES:
                full = _full_sample(employer_id or "sample-employer", kind, role)
                for facts, context in (("every fact", full), ("no optional fact", _sparse(full))):
                    try:
                        self.render(context)
                    except (TemplateError, ValueError, TypeError) as error:
                        raise ValueError(f"notice text {kind.value}, {label}, for {role.value} "
                                         f"with {facts}: {error}") from None


def _tidy(body: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one final newline: a text that
    leaves out an unknown fact does not leave a hole."""
    lines = "\n".join(line.rstrip() for line in body.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip("\n") + "\n"


def _full_sample(employer_id: str, kind: NoticeKind, role: Role) -> NoticeContext:
    return NoticeContext(
        notice_id="sample-notice", case_id="00000000-0000-5000-8000-000000000000",
        employer_id=employer_id, kind=kind, recipient_role=role,
        recipient_name="Sam Sample", employee_name="Alex Sample", manager_name="Sam Sample",
        first_day=date(2026, 11, 2), due_at=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        escalation_number=1, absent_days=28, effective_on=date(2027, 1, 4),
        case_url="https://rtw.example/cases/00000000-0000-5000-8000-000000000000",
        sign_in_url="https://rtw.example/employee/sign-in/sample",
    )


def _sparse(context: NoticeContext) -> NoticeContext:
    return replace(
        context, recipient_name=None, employee_name=None,
        manager_name=None, first_day=None, due_at=None, escalation_number=None,
        absent_days=None, effective_on=None, case_url=None, sign_in_url=None)
