"""The employee's own pages: signing in by a one-time link sent to the address HR gave for
them, and their case(s) at `/my-case`, where they book and move their appointments, say they
have no comments on their OH report, and make their choices on a report OH asks their doctor
for (Access to Medical Reports Act 1988: consent, seeing it first, amendments, its supply).

An employee has no organisation account: they ask for a link at `/employee/sign-in`, and the
page answers alike whether the address is known or not. The link's page shows a button rather
than signing in on opening, so a mail scanner that opens links does not spend it. What the page
shows of a case is decided in `domain.disclosure`; booking and moving go through the same
action (and the same guards) as the API's.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.access_log import log_read
from api.case_calls import case_events, query_view, run_action
from api.dependencies import get_services
from api.problems import Problem
from api.routes.case_notes import corrections_by_entry
from api.services import Services
from api.web.guard import (
    PageRefused,
    check_same_origin,
    page_roles,
    session_principal,
    start_session,
)
from api.web.offers import offered_actions
from api.web.rendering import render
from api.web.route import PageRoute
from domain.actions import check_own_team
from domain.actors import Actor, Role, Source
from domain.appointment_book import AppointmentMethod, AppointmentPurpose
from domain.calendar import LONDON
from domain.disclosure import (
    employee_deadlines,
    may_see_appointments,
    may_see_note,
    may_see_own_advice,
)
from domain.errors import NotOwnTeam
from domain.journey.appointments import (
    EMPLOYEE_PURPOSES,
    BookAppointment,
    MoveAppointment,
    bookable_professionals,
)
from domain.journey.case_notes import CaseNoteAdded
from domain.journey.medical_reports import (
    ArrangeMedicalReportAccess,
    AskToSeeMedicalReport,
    ConsentToMedicalReport,
    DecideMedicalReportSupply,
    RequestMedicalReportAmendment,
    may_supply_from,
)
from domain.journey.report_consent import AgreeToReport, window_over
from domain.practice import has_comment_window
from domain.stages import Action, Stage
from domain.state import CaseState, Doctor, MedicalReport, MedicalReportSupply
from eventstore.row_seal import RowSeal
from infra.sign_in_links import LINK_LIFETIME, SignInLinkKey
from infra.text_templates import london
from infra.tokens import Principal
from readside.employee_links import LinkState, link_state, own_cases, send_links, use_link
from readside.web_sessions import WebSession
from workflows.payloads import CaseView

router = APIRouter(route_class=PageRoute, include_in_schema=False)

employee_only = page_roles(Role.EMPLOYEE)
MAX_ADDRESS = 254
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

STAGE_WORDS = {
    Stage.REFERRAL: "Your referral is with occupational health, who will decide how to help.",
    Stage.EARLY_CONTACT: "Your manager will get in touch with you soon.",
    Stage.ASSESSMENT: "Occupational health will assess how your health affects your work.",
    Stage.PLANNING: "You, your manager and occupational health are agreeing a plan for your "
                    "return.",
    Stage.REHABILITATION: "Your plan is agreed: you are getting support to prepare your return.",
    Stage.PHASED_RETURN: "You are on a phased return to work.",
    Stage.REDEPLOYMENT: "You are trying out a different role.",
    Stage.FOLLOW_UP: "You are back at work; occupational health will check it is going well.",
    Stage.CLOSED: "This case is closed.",
}
FITNESS_WORDS = {
    "fit": "Fit for your usual work",
    "fit_with_adjustments": "Fit for work with some changes (adjustments)",
    "unfit_own_role": "Not fit for your own role for now",
    "unfit_any_work": "Not fit for any work for now",
}
METHOD_WORDS = {AppointmentMethod.PHONE: "Phone call", AppointmentMethod.VIDEO: "Video call",
                AppointmentMethod.IN_PERSON: "In person"}
PURPOSE_WORDS = {
    AppointmentPurpose.FIRST_CONSULTATION: "First consultation",
    AppointmentPurpose.REVIEW: "Review",
    AppointmentPurpose.RETURN_TO_WORK_REVIEW: "Review of your return to work",
    AppointmentPurpose.CASE_CONFERENCE: "Case conference",
    AppointmentPurpose.OTHER: "Other",
}
# The times offered for a booking, London time.
SLOTS = tuple(time(hour, minute) for hour in range(9, 17) for minute in (0, 30))


async def _employee(request: Request) -> Principal | None:
    """The signed-in employee; None without a session (an employee signs in by a link, not on
    the staff sign-in page); a 403 page for anyone else."""
    if await session_principal(request) is None:
        return None
    return await employee_only(request)


def _sign_in_again() -> Response:
    return RedirectResponse("/employee/sign-in", status_code=303)



def _key(services: Services) -> SignInLinkKey:
    return SignInLinkKey.from_audit_key(services.store.audit_key)


# Signing in by a link --------------------------------------------------------------------


def _sign_in_page(request: Request, *, sent: bool = False, address: str = "",
                  error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "employee_sign_in.jinja", {
        "title": "Sign in to see your case", "sent": sent, "address": address, "error": error,
        "minutes": int(LINK_LIFETIME.total_seconds() // 60)}, status_code=status_code)


@router.get("/employee/sign-in")
async def sign_in_page(request: Request, sent: bool = False) -> Response:
    return _sign_in_page(request, sent=sent)


@router.post("/employee/sign-in")
async def ask_for_link(request: Request,
                       email: Annotated[str, Form(max_length=MAX_ADDRESS + 50)] = "") -> Response:
    check_same_origin(request)
    address = email.strip()
    if not address:
        return _sign_in_page(request, error="Enter your email address", status_code=422)
    if len(address) > MAX_ADDRESS or not _ADDRESS.match(address):
        return _sign_in_page(request, address=address, status_code=422,
                             error="Enter an email address in the correct format, like "
                                   "name@example.com")
    services = get_services(request)
    # Whether a link was sent (or the address asked too often) is never shown: the answer is
    # the same for every address, so the page cannot tell anyone whose address is known.
    await send_links(services.pool, _key(services), address, now=services.now(),
                     rows=RowSeal(services.store.subject_keys))
    return RedirectResponse("/employee/sign-in?sent=true", status_code=303)


_LINK_REFUSALS = {
    LinkState.USED: (410, "This link has been used",
                     "Each sign-in link works once. Ask for a new link to sign in again."),
    LinkState.EXPIRED: (410, "This link has expired",
                        f"A sign-in link works for {LINK_LIFETIME.total_seconds() // 60:.0f} "
                        "minutes. Ask for a new link."),
    LinkState.UNKNOWN: (404, "This link does not work",
                        "Check you copied the whole link from the email, or ask for a new one."),
}


def _link_page(request: Request, token: str, state: LinkState) -> Response:
    status, title, detail = _LINK_REFUSALS.get(state, (200, "Sign in to see your case", ""))
    return render(request, "employee_link.jinja", {
        "title": title, "detail": detail, "usable": state is LinkState.USABLE,
        "token": token}, status_code=status)


@router.get("/employee/sign-in/{token}")
async def link_page(request: Request, token: str) -> Response:
    services = get_services(request)
    link_id = _key(services).link_id(token)
    state = (LinkState.UNKNOWN if link_id is None
             else await link_state(services.pool, link_id, now=services.now()))
    return _link_page(request, token, state)


@router.post("/employee/sign-in/{token}")
async def sign_in_by_link(request: Request, token: str) -> Response:
    check_same_origin(request)
    services = get_services(request)
    link_id = _key(services).link_id(token)
    owner = None if link_id is None else await use_link(
        services.pool, link_id, now=services.now(), rows=RowSeal(services.store.subject_keys))
    if owner is None:
        state = (LinkState.UNKNOWN if link_id is None
                 else await link_state(services.pool, link_id, now=services.now()))
        return _link_page(request, token, LinkState.UNKNOWN
                          if state is LinkState.USABLE else state)
    person: dict[str, object] = {"employers": [owner.employer_id]}
    if owner.name:
        person["name"] = owner.name
    response = RedirectResponse("/my-case", status_code=303)
    await start_session(request, response, WebSession(
        subject=owner.employee_id, role=Role.EMPLOYEE.value, person=person,
        signed_in_with="link"))
    return response


# The employee's own case -----------------------------------------------------------------


@dataclass
class SentForm:
    """What a booking or move form was sent with, to show it again beside its errors."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)


def _not_found(case_id: str) -> PageRefused:
    return PageRefused(404, "Page not found",
                       f"There is no case {case_id} of yours. Go back to your case.")


async def _own_view(request: Request, principal: Principal, case_id: str) -> CaseView:
    """The case, if it is the signed-in employee's at their employer; a 404 page otherwise
    (a case of someone else is not shown to exist)."""
    services = get_services(request)
    try:
        view = await query_view(services, case_id)
    except Problem as problem:
        if problem.status == 404:
            raise _not_found(case_id) from None
        raise
    try:
        check_own_team(view.state, Actor(id=principal.subject, role=principal.role,
                                         source=Source.API))
    except NotOwnTeam:
        raise _not_found(case_id) from None
    if view.state.employer_id not in principal.employers:
        raise _not_found(case_id)
    return view


async def _posted_to_own_case(request: Request, case_id: str
                              ) -> tuple[Principal, CaseView] | None:
    """What every form the employee posts passes first: sent from rtw's own page, by the
    signed-in employee, about a case of theirs (a 404 page otherwise). None without a session:
    the caller sends them to sign in again."""
    check_same_origin(request)
    principal = await _employee(request)
    if principal is None:
        return None
    _check_case_id(case_id)
    return principal, await _own_view(request, principal, case_id)


def _bookable_with(view: CaseView) -> list[dict[str, str]]:
    """The OH professionals the employee may book with, as the domain decides."""
    return [who.model_dump(mode="json") for who in bookable_professionals(view.state)]


async def _case_section(request: Request, principal: Principal, case_id: str,
                        forms: dict[str, SentForm] | None = None) -> dict[str, Any]:
    services = get_services(request)
    await log_read(request, services, principal, "case.read", case_id, channel="web")
    view = await _own_view(request, principal, case_id)
    state = view.state
    offered = offered_actions(view, principal)
    advice = None
    latest = state.latest_assessment
    if latest is not None and may_see_own_advice(principal.role):
        advice = {"fitness": FITNESS_WORDS.get(latest.fitness.value, latest.fitness.value),
                  "assessed_on": london(latest.assessed_at),
                  "adjustments": [f"{a.kind.value.replace('_', ' ').capitalize()}: {a.detail}"
                                  for a in latest.recommended_adjustments]}
    appointments = [] if not may_see_appointments(principal.role) else [{
        "number": a.number, "at": london(a.at), "method": METHOD_WORDS[a.method],
        "with": f"{a.professional.name} ({a.professional.profession})",
        "purpose": PURPOSE_WORDS[a.purpose]} for a in state.appointments.upcoming]
    events = await case_events(services, uuid.UUID(str(state.case_id)))
    corrections = corrections_by_entry(events)
    notes = [{"written_at": london(event.occurred_at), "text": event.text,
              "corrections": [c.correction for c in corrections.get(record.event_id, [])]}
             for record, event in events
             if isinstance(event, CaseNoteAdded)
             and may_see_note(principal.role, event.visibility)]
    return {
        "case_id": str(state.case_id), "stage": state.stage.value,
        "stage_words": STAGE_WORDS[state.stage], "opened_at": london(state.opened_at),
        "first_day": state.first_day,
        "deadlines": [{"what": _deadline_words(d.name), "due": london(d.due_at)}
                      for d in employee_deadlines(view.deadlines)],
        "advice": advice, "appointments": appointments, "notes": notes,
        "may_book": Action.BOOK_APPOINTMENT in offered,
        "may_move": Action.MOVE_APPOINTMENT in offered,
        "bookable_with": _bookable_with(view),
        "forms": forms or {},
        "may_agree": _may_agree(state, view, datetime.now(LONDON)),
        "assessment_number": latest.number if latest is not None else None,
        "medical_reports": [_medical_report(report, london_today())
                            for report in state.medical_reports],
        "may_consent_to_medical_report": Action.CONSENT_TO_MEDICAL_REPORT.value
        in view.allowed_actions,
    }


def london_today() -> date:
    return datetime.now(LONDON).date()


def _may_agree(state: CaseState, view: CaseView, now: datetime) -> bool:
    """Whether the employee may say they have no comments on their latest report: a report
    with a comment window still open (practice version 4) that they have not agreed to yet."""
    latest = state.latest_assessment
    return (latest is not None and has_comment_window(state)
            and Action.AGREE_TO_REPORT.value in view.allowed_actions
            and not window_over(state, latest.number, now)
            and any(o.assessment_number == latest.number for o in state.report_offers))


DOCTOR_WORDS = {Doctor.GP: "your GP", Doctor.SPECIALIST: "your specialist"}


def _medical_report(report: MedicalReport, today: date) -> dict[str, Any]:
    """One report from the employee's doctor as their page shows it: where it stands, and the
    choices the Act gives them now."""
    start = may_supply_from(report)
    supplied = report.received_on is not None
    decided = report.supply is not None
    within = start is not None and today < start
    if supplied:
        status = "Your doctor has sent the report to occupational health."
    elif report.supply is MedicalReportSupply.REFUSED:
        status = "You refused to let your doctor send the report."
    elif report.supply is MedicalReportSupply.CONSENTED:
        status = "You agreed that your doctor may send the report."
    elif report.requested_on is None:
        status = "Occupational health has not asked your doctor yet."
    elif report.access_arranged_on is not None:
        status = ("You arranged to see the report. Your doctor will not send it until you "
                  "agree.")
    elif report.wishes_access and within and start is not None:
        last = start - timedelta(days=1)
        status = ("Occupational health has asked your doctor. Arrange with your doctor to see "
                  f"the report by {last.day} {last:%B %Y}: after that your doctor may send it "
                  "without you having seen it.")
    else:
        status = "Occupational health has asked your doctor for the report."
    seen = report.wishes_access and report.requested_on is not None
    return {
        "number": report.number, "doctor": DOCTOR_WORDS[report.doctor],
        "consent_on": f"{report.consent_on.day} {report.consent_on:%B %Y}", "status": status,
        "wishes_access": report.wishes_access,
        "may_ask_to_see": not report.wishes_access and not supplied and not decided,
        "may_arrange": (report.wishes_access and within and report.access_arranged_on is None
                        and not supplied and not decided),
        "may_decide": seen and not supplied and not decided,
        "amendments_requested": report.amendments_requested,
        "statement_attached": report.statement_attached,
    }


_DEADLINE_WORDS = {
    "early_contact_due": "Your manager gets in touch with you",
    "fit_note_lapsed": "Your fit note has ended: a new one is needed",
    "fit_note_needed": "A fit note is needed from your doctor or another healthcare "
                       "professional",
    "fit_note_ending": "Your fit note ends",
    "check_in_due": "Your next keeping-in-touch conversation with your manager",
    "plan_review_due": "Your return-to-work plan is reviewed",
    "phased_return_week_review": "This week of your phased return is reviewed",
    "phased_return_ends": "Your phased return ends",
    "trial_review_due": "Your trial in the new role is reviewed",
    "trial_ends": "Your trial in the new role ends",
    "follow_up_due": "Occupational health checks your return is going well",
    "sick_pay_half_warning": "Your sick pay may go down to half pay",
    "sick_pay_nil_warning": "Your sick pay may stop",
    "plan_action_due": "An action in your plan is due",
    "plan_revision_due": "Your plan is revised",
    "ssp_ending_warning": "Your Statutory Sick Pay may stop",
    "ssp1_due": "HR gives you form SSP1 (for other benefits when Statutory Sick Pay ends)",
    "report_offered": "Occupational health offers you its report to read",
    "report_comment_window": "Your time to comment on your occupational health report ends",
}


def _deadline_words(name: str) -> str:
    return _DEADLINE_WORDS.get(name, name.replace("_", " ").capitalize())


def _my_case_page(request: Request, principal: Principal, cases: list[dict[str, Any]], *,
                  title: str = "Your case", errors: list[dict[str, str]] | None = None,
                  status_code: int = 200) -> Response:
    return render(request, "employee_my_case.jinja", {
        "title": title, "cases": cases, "errors": errors or [],
        "methods": [(m.value, METHOD_WORDS[m]) for m in AppointmentMethod],
        "purposes": [(p.value, PURPOSE_WORDS[p]) for p in EMPLOYEE_PURPOSES],
        "slots": [slot.strftime("%H:%M") for slot in SLOTS]},
        status_code=status_code, principal=principal)


@router.get("/my-case")
async def my_case(request: Request) -> Response:
    principal = await _employee(request)
    if principal is None:
        return _sign_in_again()
    services = get_services(request)
    found = await own_cases(services.pool, employer_ids=principal.employers,
                            employee_id=principal.subject)
    cases = [await _case_section(request, principal, case.case_id) for case in found]
    return _my_case_page(request, principal, cases,
                         title="Your cases" if len(cases) > 1 else "Your case")


@router.get("/my-case/{case_id}")
async def one_case(request: Request, case_id: str) -> Response:
    principal = await _employee(request)
    if principal is None:
        return _sign_in_again()
    _check_case_id(case_id)
    return _my_case_page(request, principal, [await _case_section(request, principal, case_id)])


def _check_case_id(case_id: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                        case_id):
        raise _not_found(case_id[:40])


# Booking and moving ----------------------------------------------------------------------


def _when(prefix: str, day: str, month: str, year: str, slot: str,
          errors: list[dict[str, str]]) -> datetime | None:
    """The moment a form's date fields and time name, in London; an error for each bad one."""
    try:
        on = date(int(year), int(month), int(day))
    except ValueError:
        errors.append({"text": "Enter a real date, like 27 3 2027",
                       "href": f"#{prefix}-date-day"})
        return None
    if slot not in {s.strftime("%H:%M") for s in SLOTS}:
        errors.append({"text": "Choose a time", "href": f"#{prefix}-time"})
        return None
    return datetime.combine(on, time.fromisoformat(slot), tzinfo=LONDON)


async def _act(request: Request, principal: Principal, case_id: str, action: Action,
               command: BaseModel, form_id: str,
               values: dict[str, str]) -> Response:
    try:
        await run_action(get_services(request), case_id, action, command, principal)
    except Problem as problem:
        if problem.status not in (403, 409, 422):
            raise
        named: list[dict[str, str]] = problem.extra.get("errors") or []
        field_ = str(named[0].get("field") or "") if named else ""
        href = {"at": f"#{form_id}-date-day", "professional": f"#{form_id}-professional",
                "reason": f"#{form_id}-reason"}.get(field_.split(".")[0], f"#{form_id}")
        return await _again(request, principal, case_id, form_id, values,
                            [{"text": problem.detail, "href": href}],
                            status_code=problem.status)
    return RedirectResponse(f"/my-case/{case_id}?done={action.value}", status_code=303)


async def _again(request: Request, principal: Principal, case_id: str, form_id: str,
                 values: dict[str, str], errors: list[dict[str, str]], *,
                 status_code: int = 422) -> Response:
    section = await _case_section(request, principal, case_id,
                                  {form_id: SentForm(values=values, errors=errors)})
    return _my_case_page(request, principal, [section], errors=errors, status_code=status_code)


@router.post("/my-case/{case_id}/appointments")
async def book(
    request: Request, case_id: str,
    professional: Annotated[str, Form(max_length=100)] = "",
    purpose: Annotated[str, Form(max_length=40)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    day: Annotated[str, Form(max_length=4)] = "", month: Annotated[str, Form(max_length=4)] = "",
    year: Annotated[str, Form(max_length=6)] = "", slot: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    own = await _posted_to_own_case(request, case_id)
    if own is None:
        return _sign_in_again()
    principal, view = own
    values = {"professional": professional, "purpose": purpose, "method": method, "day": day,
              "month": month, "year": year, "slot": slot}
    form_id = f"book-{case_id[:8]}"
    errors: list[dict[str, str]] = []
    with_ = next((p for p in _bookable_with(view) if p["id"] == professional), None)
    if with_ is None:
        errors.append({"text": "Choose who the appointment is with",
                       "href": f"#{form_id}-professional"})
    if purpose not in {p.value for p in EMPLOYEE_PURPOSES}:
        errors.append({"text": "Choose what the appointment is for",
                       "href": f"#{form_id}-purpose"})
    if method not in {m.value for m in AppointmentMethod}:
        errors.append({"text": "Choose how the appointment takes place",
                       "href": f"#{form_id}-method"})
    at = _when(form_id, day, month, year, slot, errors)
    if errors or with_ is None or at is None:
        return await _again(request, principal, case_id, form_id, values, errors)
    try:
        command = BookAppointment.model_validate({
            "at": at, "method": method, "professional": with_, "purpose": purpose})
    except ValidationError:
        return await _again(request, principal, case_id, form_id, values,
                            [{"text": "Check the appointment's details",
                              "href": f"#{form_id}-date-day"}])
    return await _act(request, principal, case_id, Action.BOOK_APPOINTMENT, command, form_id,
                      values)


@router.post("/my-case/{case_id}/appointments/{number}/move")
async def move(
    request: Request, case_id: str, number: int,
    method: Annotated[str, Form(max_length=20)] = "",
    day: Annotated[str, Form(max_length=4)] = "", month: Annotated[str, Form(max_length=4)] = "",
    year: Annotated[str, Form(max_length=6)] = "", slot: Annotated[str, Form(max_length=5)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    own = await _posted_to_own_case(request, case_id)
    if own is None:
        return _sign_in_again()
    principal, _ = own
    form_id = f"move-{case_id[:8]}-{number}"
    values = {"method": method, "day": day, "month": month, "year": year, "slot": slot,
              "reason": reason}
    errors: list[dict[str, str]] = []
    at = _when(form_id, day, month, year, slot, errors)
    if method and method not in {m.value for m in AppointmentMethod}:
        errors.append({"text": "Choose how the appointment takes place",
                       "href": f"#{form_id}-method"})
    if not reason.strip():
        errors.append({"text": "Say why you need to move the appointment",
                       "href": f"#{form_id}-reason"})
    if errors or at is None:
        return await _again(request, principal, case_id, form_id, values, errors)
    try:
        command = MoveAppointment.model_validate({
            "appointment_number": number, "at": at, "method": method or None,
            "reason": reason.strip()})
    except ValidationError:
        return await _again(request, principal, case_id, form_id, values,
                            [{"text": "Check the new time and the reason",
                              "href": f"#{form_id}-reason"}])
    return await _act(request, principal, case_id, Action.MOVE_APPOINTMENT, command, form_id,
                      values)


# The OH report and reports from the employee's doctor ------------------------------------


@router.post("/my-case/{case_id}/report-agreement")
async def agree_to_report(
    request: Request, case_id: str,
    assessment_number: Annotated[int, Form(ge=1, le=10_000)] = 1,
) -> Response:
    """"I have read my report and have no comments": what they consented to share need not
    wait for the rest of the comment window."""
    own = await _posted_to_own_case(request, case_id)
    if own is None:
        return _sign_in_again()
    principal, _ = own
    return await _act(request, principal, case_id, Action.AGREE_TO_REPORT,
                      AgreeToReport(assessment_number=assessment_number),
                      f"agree-{case_id[:8]}", {})


@router.post("/my-case/{case_id}/medical-reports")
async def consent_to_medical_report(
    request: Request, case_id: str,
    doctor: Annotated[str, Form(max_length=20)] = "",
    see_first: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """The employee's written consent to OH asking their doctor for a report (s.3), and
    whether they wish to see it before it is sent (s.4(1))."""
    own = await _posted_to_own_case(request, case_id)
    if own is None:
        return _sign_in_again()
    principal, _ = own
    form_id = f"amra-{case_id[:8]}"
    values = {"doctor": doctor, "see_first": see_first}
    errors: list[dict[str, str]] = []
    if doctor not in {d.value for d in Doctor}:
        errors.append({"text": "Choose which doctor occupational health may ask",
                       "href": f"#{form_id}-doctor"})
    if see_first not in ("yes", "no"):
        errors.append({"text": "Choose whether you want to see the report before it is sent",
                       "href": f"#{form_id}-see-first"})
    if errors:
        return await _again(request, principal, case_id, form_id, values, errors)
    command = ConsentToMedicalReport(doctor=Doctor(doctor),
                                     wishes_to_see_report=see_first == "yes")
    return await _act(request, principal, case_id, Action.CONSENT_TO_MEDICAL_REPORT, command,
                      form_id, values)


_CHOICES: dict[str, tuple[Action, type[BaseModel], dict[str, Any]]] = {
    "see": (Action.ASK_TO_SEE_MEDICAL_REPORT, AskToSeeMedicalReport, {}),
    "arranged": (Action.ARRANGE_MEDICAL_REPORT_ACCESS, ArrangeMedicalReportAccess, {}),
    "supply": (Action.DECIDE_MEDICAL_REPORT_SUPPLY, DecideMedicalReportSupply,
               {"supply": MedicalReportSupply.CONSENTED}),
    "refuse": (Action.DECIDE_MEDICAL_REPORT_SUPPLY, DecideMedicalReportSupply,
               {"supply": MedicalReportSupply.REFUSED}),
}


@router.post("/my-case/{case_id}/medical-reports/{number}")
async def medical_report_choice(
    request: Request, case_id: str, number: int,
    choice: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """One of the employee's choices on a report from their doctor: to see it first (s.4(2)),
    that they arranged to see it (s.4(4)), to let it be sent or to refuse it (s.5(1))."""
    own = await _posted_to_own_case(request, case_id)
    if own is None:
        return _sign_in_again()
    principal, _ = own
    form_id = f"amra-{case_id[:8]}-{number}"
    chosen = _CHOICES.get(choice)
    if chosen is None:
        return await _again(request, principal, case_id, form_id, {},
                            [{"text": "Choose what you want to do", "href": f"#{form_id}"}])
    action, command_type, extra = chosen
    command = command_type.model_validate({"report_number": number, **extra})
    return await _act(request, principal, case_id, action, command, form_id, {})


@router.post("/my-case/{case_id}/medical-reports/{number}/amendments")
async def medical_report_amendment(
    request: Request, case_id: str, number: int,
    amendment: Annotated[str, Form(max_length=4000)] = "",
    statement: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Having seen it, the employee asks for what is wrong or misleading to be amended, or adds
    a statement of their views (s.5(2))."""
    own = await _posted_to_own_case(request, case_id)
    if own is None:
        return _sign_in_again()
    principal, _ = own
    form_id = f"amend-{case_id[:8]}-{number}"
    values = {"amendment": amendment, "statement": statement}
    if not amendment.strip() and not statement.strip():
        return await _again(request, principal, case_id, form_id, values, [{
            "text": "Say what is wrong in the report, or give your statement",
            "href": f"#{form_id}-amendment"}])
    command = RequestMedicalReportAmendment(
        report_number=number, amendment=amendment.strip() or None,
        statement=statement.strip() or None)
    return await _act(request, principal, case_id, Action.REQUEST_MEDICAL_REPORT_AMENDMENT,
                      command, form_id, values)
