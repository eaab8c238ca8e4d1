"""The auditor's pages: open a case by its id, read it replayed as its record stood at a chosen
moment or position, see whether its hash chain holds, and download its events.

The history is the JSON history route's own read (`api.case_history`), shown as the same
entries it answers with; the chain check is the one `rtw audit verify` runs; the download is the
audit export. Each read is written to the access log under the action name the API and the CLI
use, with the channel 'web'.

An auditor reads the history with its clinical content withheld (the reason and the fields
`domain.disclosure.event_for_audit` withholds); the clinical-audit role reads it whole, and
only for a purpose it types, which the access log keeps with each read.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from api.access_log import log_read
from api.audit_params import audit_purpose
from api.case_history import (
    AuditRead,
    HistoryAsItStood,
    audited_view,
    history_for_audit,
    withheld_of,
)
from api.models import HistoryEntry
from api.problems import Problem
from api.routes.audit import MEDIA_TYPES, audited_export, employer_of_case, in_threads
from api.tenancy import no_such_case
from api.web.guard import page_roles
from api.web.rendering import render
from api.web.route import PageRoute
from domain.actors import Role
from domain.disclosure import AUDIT_ROLES
from eventstore.export import ExportFormat
from eventstore.moments import LONDON, end_of_london_day, parse_moment
from eventstore.store import CaseEventStore
from eventstore.verify import CaseVerdict, verify_cases
from infra.tokens import Principal

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Auditor = Annotated[Principal, Depends(page_roles(*AUDIT_ROLES))]
CaseId = Annotated[uuid.UUID, Path()]
Text = Annotated[str | None, Query()]

MOMENT_PARTS = ("day", "month", "year", "time")
TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


@router.get("/audit")
async def audit_home(request: Request, principal: Auditor,
                     case_id: Text = None, purpose: Text = None) -> Response:
    if case_id is None:
        return _home(request, principal)
    errors: dict[str, str] = {}
    try:
        found = uuid.UUID(case_id.strip())
    except ValueError:
        errors["case_id"] = ("Enter the case id" if not case_id.strip() else
                             "Enter a case id like 0b6f8d2e-5c1a-5d3e-9f4b-2a7c8e1d0f36")
    chosen = _purpose(principal, purpose)
    if isinstance(chosen, PurposeRefused):
        errors["purpose"] = chosen.message
    if errors:
        return _home(request, principal, case_id=case_id, purpose=purpose or "", errors=errors)
    query = f"?{urlencode({'purpose': chosen})}" if isinstance(chosen, str) else ""
    return RedirectResponse(f"/audit/cases/{found}{query}", status_code=303)


def _home(request: Request, principal: Principal, *, case_id: str = "", purpose: str = "",
          errors: dict[str, str] | None = None) -> Response:
    errors = errors or {}
    summary = [{"text": text, "href": "#case-id" if field == "case_id" else "#purpose"}
               for field, text in errors.items()]
    return render(request, "audit.jinja",
                  {"title": "Audit a case", "case_id": case_id, "error": errors.get("case_id"),
                   "purpose": purpose, "purpose_error": errors.get("purpose"),
                   "clinical_audit": principal.role is Role.CLINICAL_AUDITOR,
                   "errors": summary},
                  status_code=422 if errors else 200, principal=principal)


class PurposeRefused:
    """A purpose the page cannot accept, with the words that say why."""

    def __init__(self, message: str) -> None:
        self.message = message


def _purpose(principal: Principal, typed: str | None) -> str | PurposeRefused | None:
    """The purpose the reader typed, checked by the JSON routes' own rule."""
    try:
        return audit_purpose(principal, typed)
    except Problem as problem:
        if principal.role is Role.CLINICAL_AUDITOR and not (typed or "").strip():
            return PurposeRefused("Enter the purpose of this clinical audit")
        return PurposeRefused(f"Enter a purpose of 10 to 500 characters, on one line "
                              f"({problem.detail.removeprefix('purpose: ')})")


class MomentForm:
    """The moment and position an auditor asked for, as typed, with the errors found in it."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {part: "" for part in (*MOMENT_PARTS, "position")}
        self.errors: list[dict[str, str]] = []
        self.field_errors: dict[str, str] = {}
        self.as_of: datetime | None = None
        self.as_of_text: str | None = None
        self.position: int | None = None

    def refuse(self, field: str, href: str, message: str) -> None:
        self.field_errors[field] = message
        self.errors.append({"text": message, "href": href})

    def read_parts(self, parts: dict[str, str]) -> None:
        """Day, month, year and an optional time of day in London, as the form sends them."""
        self.values.update(parts)
        day, month, year = (parts[name] for name in ("day", "month", "year"))
        clock = parts["time"]
        if not (day or month or year):
            if clock:
                self.refuse("as_of", "#as-of-day", "Enter the date the time is on")
            return
        if not (day and month and year):
            self.refuse("as_of", "#as-of-day", "Enter the date as a day, a month and a year")
            return
        try:
            chosen = date(int(year), int(month), int(day))
        except ValueError:
            self.refuse("as_of", "#as-of-day", "Enter a real date, for example 23 11 2026")
            return
        if not clock:
            self.read_as_of(chosen.isoformat())
            return
        matched = TIME.fullmatch(clock)
        try:
            if matched is None:
                raise ValueError(clock)
            at = time(int(matched[1]), int(matched[2]), int(matched[3] or 0))
        except ValueError:
            self.refuse("time", "#as-of-time",
                        "Enter the time as hours and minutes, for example 14:30")
            return
        self.read_as_of(datetime.combine(chosen, at, tzinfo=LONDON).isoformat())

    def read_as_of(self, text: str) -> None:
        """The JSON route's `as_of`, read by the same parser."""
        try:
            self.as_of = parse_moment(text)
        except ValueError as error:
            self.refuse("as_of", "#as-of-day", f"Enter a date rtw keeps records for: {error}")
            return
        self.as_of_text = text
        if not any(self.values[part] for part in MOMENT_PARTS):
            self.values.update(_parts_of(self.as_of))

    def read_position(self, text: str | None) -> None:
        text = (text or "").strip()
        self.values["position"] = text
        if not text:
            return
        if not text.isdigit() or int(text) < 1:
            self.refuse("position", "#position", "Enter the position as a whole number, 1 or more")
            return
        self.position = int(text)


def _parts_of(moment: datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    whole_day = moment == end_of_london_day(local.date())
    return {"day": str(local.day), "month": str(local.month), "year": str(local.year),
            "time": "" if whole_day else local.strftime("%H:%M:%S")}


@router.get("/audit/cases/{case_id}")
async def audit_case(
    request: Request,
    principal: Auditor,
    case_id: CaseId,
    as_of: Text = None,
    position: Text = None,
    day: Text = None,
    month: Text = None,
    year: Text = None,
    clock: Annotated[str | None, Query(alias="time")] = None,
    purpose: Text = None,
) -> Response:
    form = MomentForm()
    typed = {"day": day, "month": month, "year": year, "time": clock}
    from_form = any(value is not None for value in typed.values())
    if from_form:
        form.read_parts({name: (value or "").strip() for name, value in typed.items()})
    elif as_of:
        form.read_as_of(as_of)
    form.read_position(position)
    chosen = _purpose(principal, purpose)
    if isinstance(chosen, PurposeRefused):
        form.refuse("purpose", "#purpose", chosen.message)
    form.values["purpose"] = purpose or ""
    clinical_audit = principal.role is Role.CLINICAL_AUDITOR
    services = request.app.state.services
    context: dict[str, object] = {"title": f"Audit of case {case_id}",
                                  "case_id": str(case_id), "form": form, "errors": form.errors,
                                  "clinical_audit": clinical_audit}
    if form.errors or isinstance(chosen, PurposeRefused):
        return render(request, "audit_case.jinja", context, status_code=422,
                      principal=principal)
    read = AuditRead(principal, chosen)
    if from_form:  # one address per moment: the JSON route's parameters, kept in the log
        query = {"as_of": form.as_of_text, "position": form.position, "purpose": read.purpose}
        address = urlencode({k: v for k, v in query.items() if v is not None})
        return RedirectResponse(f"/audit/cases/{case_id}" + (f"?{address}" if address else ""),
                                status_code=303)

    await log_read(request, services, principal, "case.history", case_id, channel="web",
                   purpose=read.purpose)
    if not principal.acts_for(await employer_of_case(services, case_id)):
        raise no_such_case(case_id)
    try:
        history = await history_for_audit(services, case_id, read, as_of=form.as_of,
                                          position=form.position, checked=False)
    except Problem as problem:
        if problem.status != 500:
            raise
        history = None  # a changed row may be why: the chain check below says where
        context["unreadable"] = problem.detail
    await log_read(request, services, principal, "audit.verify", case_id, channel="web",
                   purpose=read.purpose)
    context["verdict"] = await services.read_store(_verdict, services.store, str(case_id))
    if history is not None:
        context |= _history_context(history, clinical=read.clinical)
    context |= {"as_of": _london(form.as_of) if form.as_of else None,
                "position": form.position, "clinical": read.clinical,
                "purpose": read.purpose,
                "export_query": urlencode({"purpose": read.purpose}) if read.purpose else ""}
    return render(request, "audit_case.jinja", context, principal=principal)


def _history_context(history: HistoryAsItStood, *, clinical: bool) -> dict[str, object]:
    entries = [HistoryEntry.of(audited_view(step.view, clinical=clinical),
                               stage_after=step.state.stage.value)
               for step in history.steps]
    withheld = [withheld_of(step.view, clinical=clinical) for step in history.steps]
    positions = {entry.event_id: entry.position for entry in entries}
    return {
        "entries": [_row(entry, positions) | {"withheld": [name for name in fields
                                                           if name != "reason"],
                                              "reason_withheld": "reason" in fields}
                    for entry, fields in zip(entries, withheld, strict=True)],
        "recorded": history.recorded,
        "stage": history.steps[-1].state.stage.value if history.steps else None,
    }


def _verdict(store: CaseEventStore, case_id: str) -> CaseVerdict | None:
    """The chain check `rtw audit verify CASE_ID` makes, over the rows as they are now."""
    verdicts = list(verify_cases(store, case_id))
    return verdicts[0] if verdicts else None


def _row(entry: HistoryEntry, positions: dict[str, int]) -> dict[str, object]:
    return {
        "entry": entry,
        "what": re.sub(r"(?<!^)(?=[A-Z])", " ", entry.type).capitalize(),
        "recorded": _london(entry.recorded_at),
        "corrects": positions.get(entry.corrects_event_id or ""),
    }


def _london(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%-d %B %Y, %H:%M:%S %Z")


@router.get("/audit/cases/{case_id}/export")
async def audit_export(request: Request, principal: Auditor, case_id: CaseId,
                       output_format: Annotated[ExportFormat,
                                                Query(alias="format")] = "jsonl",
                       purpose: Text = None) -> Response:
    """The audit export of one case, as `GET /v1/audit/export?case_id=` streams it."""
    services = request.app.state.services
    chosen = _purpose(principal, purpose)
    if isinstance(chosen, PurposeRefused):
        raise Problem(422, "Invalid request", f"purpose: {chosen.message}",
                      errors=[{"field": "purpose", "message": chosen.message}])
    read = AuditRead(principal, chosen)
    await log_read(request, services, principal, "audit.export", case_id, channel="web",
                   purpose=read.purpose)
    if not principal.acts_for(await employer_of_case(services, case_id)):
        raise no_such_case(case_id)
    chunks = audited_export(services.store, output_format, read, case_id=str(case_id))
    suffix = "jsonl" if output_format == "jsonl" else "csv"
    return StreamingResponse(
        in_threads(chunks), media_type=MEDIA_TYPES[output_format],
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.{suffix}"'})

