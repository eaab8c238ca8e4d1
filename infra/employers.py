"""Per-employer settings from files: `$RTW_EMPLOYERS_DIR/<employer_id>.json`.

One file per employer holds what rtw needs to work with that employer: the OH and HR mailboxes,
the GOV.UK Notify template of each notice kind, any wording the employer prefers to the shipped
texts, and (instead of RTW_POLICY_DIR and RTW_WEBHOOKS_FILE, which still work) its policy
versions and its HR system's webhook. A file that is wrong stops the process at start with one
line naming the file, the field and what would be accepted, because a notice that cannot be
addressed or rendered is otherwise found out only when it fails to reach someone.

Example::

    {
      "mailboxes": {"oh": "oh@trust.nhs.uk", "hr": "hr@trust.nhs.uk"},
      "notify_templates": {"check_in_due": "8f8a5e0c-3b1d-4c5e-9a57-0d2a3f6b7c81"},
      "texts": {"check_in_due": {"subject": "Time to check in", "body": "..."}}
    }
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, ValidationError
from pydantic import Field as PydanticField

from domain.actors import Role
from domain.notices import NoticeKind
from domain.policy import Policy
from infra.text_templates import compile_text

# Notify is not asked for these: they come from cases that began before the outbox, and the
# relay sends them with rtw's own text.
NOT_ON_NOTIFY = frozenset({NoticeKind.LEGACY})


def _template_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("not a GOV.UK Notify template id") from None


def _jinja_text(value: str) -> str:
    compile_text(value)  # its ValueError says where and what is wrong
    return value


NotifyTemplateId = Annotated[str, AfterValidator(_template_id)]
NoticeText = Annotated[str, PydanticField(min_length=1), AfterValidator(_jinja_text)]


class Mailboxes(BaseModel):
    """The shared addresses notices for a role go to when they are not for one person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    oh: EmailStr
    hr: EmailStr


class WebhookEndpoint(BaseModel):
    """The employer's HR system's webhook: its URL, and the secret each body is signed with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = PydanticField(pattern=r"^https?://\S+$")
    secret: str = PydanticField(min_length=1)


class TextOverride(BaseModel):
    """An employer's own wording for one notice kind, in the same template language (and with
    the same variables) as the shipped texts. It must read well for every role and without any
    optional fact (guard each with `{% if due_at %}`): `NoticeTexts.check` tries them all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: NoticeText
    body: NoticeText


class EmployerFile(BaseModel):
    """The whole of one employer's file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mailboxes: Mailboxes
    notify_templates: dict[NoticeKind, NotifyTemplateId] = PydanticField(default_factory=dict)
    texts: dict[NoticeKind, TextOverride] = PydanticField(default_factory=dict)
    policies: list[Policy] = PydanticField(default_factory=list)
    """The employer's policy versions (instead of a file in RTW_POLICY_DIR)."""
    webhook: WebhookEndpoint | None = None
    """Where the employer's HR system hears of its cases (instead of RTW_WEBHOOKS_FILE)."""


# What each field accepts, by its path in the file (`*` stands for any notice kind); the start
# of the path that matches best names the hint.
_ACCEPTED: dict[tuple[str, ...], str] = {
    (): "a JSON object with 'mailboxes' and optionally 'notify_templates', 'texts', "
        "'policies' and 'webhook'",
    ("policies",): "a list of policy versions, each with 'version' and 'effective_from'",
    ("webhook",): "an object with 'url' (https://...) and 'secret'",
    ("mailboxes",): "an object with the 'oh' and 'hr' email addresses",
    ("mailboxes", "oh"): "the OH service's email address, e.g. oh@trust.nhs.uk",
    ("mailboxes", "hr"): "the HR team's email address, e.g. hr@trust.nhs.uk",
    ("notify_templates",): "an object from notice kind to GOV.UK Notify template id",
    ("notify_templates", "*"): "a GOV.UK Notify template id, a UUID such as "
                               "8f8a5e0c-3b1d-4c5e-9a57-0d2a3f6b7c81",
    ("texts",): "an object from notice kind to {'subject': ..., 'body': ...}",
    ("texts", "*"): "an object with 'subject' and 'body', both Jinja2 text",
    ("texts", "*", "subject"): "Jinja2 text for the subject line",
    ("texts", "*", "body"): "Jinja2 text for the body",
}
_KINDS = ", ".join(kind.value for kind in NoticeKind)


def _accepted(loc: tuple[str, ...], is_key: bool) -> str:
    if is_key:
        return f"a notice kind: {_KINDS}"
    pattern = tuple("*" if index == 1 and loc[0] in ("notify_templates", "texts") else part
                    for index, part in enumerate(loc))
    while pattern not in _ACCEPTED:
        pattern = pattern[:-1]
    return _ACCEPTED[pattern]


def _one_line(path: Path, invalid: ValidationError) -> str:
    """The first problem of a file, as one line: file, field path, what is wrong and what
    would be accepted."""
    errors = invalid.errors()
    first = errors[0]
    is_key = "[key]" in first["loc"]
    loc = tuple(str(part) for part in first["loc"] if part != "[key]")
    where = ".".join(loc) or "the top level"
    if is_key:
        where += " (a key)"
    if is_key:
        problem = "not a notice kind"
    elif first["type"] == "missing":
        problem = "missing"
    elif first["type"] == "extra_forbidden":
        problem = "not a key this file accepts"
        loc = loc[:-1]
    elif first["type"] in ("model_type", "dict_type"):
        problem = "not a JSON object"
    elif first["type"] == "value_error" and "error" in first.get("ctx", {}):
        problem = str(first["ctx"]["error"])
    else:
        problem = first["msg"].rstrip(".")
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{path}: {where}: {problem}; expected {_accepted(loc, is_key)}{more}"


class EmployerDirectory:
    """Every employer's file, read once per process."""

    def __init__(self, files: dict[str, EmployerFile], *, directory: Path | None = None,
                 paths: dict[str, Path] | None = None) -> None:
        self._files = files
        self._directory = directory
        self._paths = paths or {}

    @classmethod
    def load(cls, directory: Path | None) -> EmployerDirectory:
        """Read every `*.json` in `directory` (the stem is the employer id); None: no files.

        Raises ValueError, one line naming the file, for a file that is not JSON, breaks a
        rule, or holds a text that does not compile.
        """
        if directory is None:
            return cls({})
        if not directory.is_dir():
            raise ValueError(f"RTW_EMPLOYERS_DIR: {directory} is not a directory")
        files: dict[str, EmployerFile] = {}
        paths: dict[str, Path] = {}
        for path in sorted(directory.glob("*.json")):
            try:
                document: Any = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise ValueError(f"{path}: not JSON: {error}") from None
            try:
                files[path.stem] = EmployerFile.model_validate(document)
            except ValidationError as invalid:
                raise ValueError(_one_line(path, invalid)) from None
            paths[path.stem] = path
        return cls(files, directory=directory, paths=paths)

    def employers(self) -> list[str]:
        return sorted(self._files)

    def mailbox(self, employer_id: str, role: Role) -> str | None:
        """The OH or HR mailbox; None for an employer without a file, or for a role that has no
        mailbox (notices to a manager or an employee go to that person)."""
        employer = self._files.get(employer_id)
        if employer is None:
            return None
        return {Role.OH: employer.mailboxes.oh, Role.HR: employer.mailboxes.hr}.get(role)

    def policies(self) -> dict[str, list[Policy]]:
        """The policy versions of each employer whose file gives them."""
        return {employer_id: list(employer.policies)
                for employer_id, employer in self._files.items() if employer.policies}

    def webhooks(self) -> dict[str, WebhookEndpoint]:
        """The webhook of each employer whose file gives one."""
        return {employer_id: employer.webhook
                for employer_id, employer in self._files.items() if employer.webhook}

    def notify_template(self, employer_id: str, kind: NoticeKind) -> str | None:
        employer = self._files.get(employer_id)
        return employer.notify_templates.get(kind) if employer is not None else None

    def text_override(self, employer_id: str, kind: NoticeKind) -> TextOverride | None:
        employer = self._files.get(employer_id)
        return employer.texts.get(kind) if employer is not None else None

    def check_for_channel(self, channel: str) -> None:
        """Refuse, at start, a channel these files cannot serve: mail and Notify need an
        employer's mailboxes to address anything, and Notify a template for each kind it may
        be asked to send (a notice without one would fail only when it is due)."""
        if channel not in ("smtp", "notify"):
            return
        if self._directory is None or not self._files:
            where = self._directory if self._directory is not None else "not set"
            raise ValueError(
                f"RTW_NOTIFY_CHANNEL={channel} needs RTW_EMPLOYERS_DIR ({where}) to hold one "
                "<employer_id>.json per employer, with mailboxes.oh and mailboxes.hr"
            )
        if channel != "notify":
            return
        gaps = []
        for employer_id, employer in sorted(self._files.items()):
            missing = [kind.value for kind in NoticeKind
                       if kind not in NOT_ON_NOTIFY and kind not in employer.notify_templates]
            if missing:
                gaps.append(f"{self._paths.get(employer_id, employer_id)}: notify_templates has "
                            f"no template id for {', '.join(missing)}")
        if gaps:
            raise ValueError(
                "RTW_NOTIFY_CHANNEL=notify needs a GOV.UK Notify template id for every notice "
                f"kind except {', '.join(sorted(NOT_ON_NOTIFY))}: " + "; ".join(gaps)
            )
