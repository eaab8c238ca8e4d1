"""GP and specialist reports under the Access to Medical Reports Act 1988.

OH may ask a doctor who is or has been responsible for the employee's clinical care (their GP,
or a specialist treating them) for a report on them for employment purposes (s.2(1)). The Act
gives the employee these rights, which the rules below hold:

- No application without the employee's consent first (s.3(1)): OH is refused the request
  until the employee has consented to it, on their page or in writing that OH records.
- When consenting, the employee says whether they wish to see the report before it is supplied
  (s.4(1)); having said no, they may still ask to see it any time before it is supplied (s.4(2)).
- If they wish to see it, the doctor may not supply it until they have seen it, unless 21 days
  beginning with the day of the application pass without the employee having arranged with the
  doctor to see it (s.4(4)): a deadline, with a notice to the employee and OH when it passes.
- Having seen it, the employee may ask the doctor to amend what they think is incorrect or
  misleading, and may attach a statement of their views where the doctor will not (s.5(2)); it
  is supplied only with their consent, which they may refuse (s.5(1)).

What the report says is clinical: OH alone reads it (`domain.disclosure`); nothing of it goes
to the manager, HR, or HR's webhook.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import PRINTABLE, Actor, Role
from domain.calendar import london_date
from domain.errors import InvalidCommand, PreconditionNotMet
from domain.guards import check_day_not_in_future
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    Event,
    Evolution,
    Preconditions,
    on_day,
)
from domain.journey.case_notes import FILE_STAGES
from domain.journey.report_consent import dated_word
from domain.stages import Action
from domain.state import CaseState, Doctor, MedicalReport, MedicalReportSupply

if TYPE_CHECKING:
    from domain.events import CaseEvent

EMPLOYEE_OR_OH = frozenset({Role.EMPLOYEE, Role.OH})

ACCESS_PERIOD_DAYS = 21
"""s.4(4)(b): the period, beginning with the day of the application, within which the employee
arranges to see the report before the doctor may supply it without their having seen it."""

ACCESS_PERIOD = "medical_report_access_period"
"""The deadline that ends the 21 days (its name hints at health: OH and the employee only)."""

DOCTOR_WORDS = {Doctor.GP: "their GP", Doctor.SPECIALIST: "a specialist treating them"}


class _EmployeesWord(Command):
    """The employee's own word: on their page, dated the day they give it; or written, which
    OH records naming the day and where it is kept."""

    on: date | None = Field(
        default=None, description="OH recording the employee's written word only: the day "
        "they gave it.")
    evidence: str | None = Field(
        default=None, min_length=1, max_length=SHORT, pattern=PRINTABLE,
        description="OH recording the employee's written word only: where it is kept.")


class ConsentToMedicalReport(_EmployeesWord):
    """The employee's written consent to OH applying to their GP or a specialist for a report
    (Access to Medical Reports Act 1988, s.3), and whether they wish to see it first (s.4(1))."""

    doctor: Doctor
    wishes_to_see_report: bool = Field(description="Whether the employee wishes to see the "
                                       "report before the doctor supplies it (s.4(1)).")


class RequestMedicalReport(Command):
    """OH applies to the doctor for the report the employee consented to."""

    report_number: int = Field(ge=1, description="The number of the employee's consent.")
    practitioner: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE,
                              description="The doctor (or practice) applied to.")


class _AboutReport(_EmployeesWord):
    report_number: int = Field(ge=1, description="The number of the report (its consent).")


class AskToSeeMedicalReport(_AboutReport):
    """Having consented without asking to see it, the employee asks to see the report before it
    is supplied (s.4(2))."""


class ArrangeMedicalReportAccess(_AboutReport):
    """The employee has arranged with the doctor to see the report (s.4(4)(a)): the doctor may
    not supply it until they have seen it and consented."""


class RequestMedicalReportAmendment(_AboutReport):
    """Having seen the report, the employee asks the doctor to amend what they consider
    incorrect or misleading, or attaches a statement of their views (s.5(2))."""

    amendment: str | None = Field(default=None, min_length=1, max_length=TEXT)
    statement: str | None = Field(default=None, min_length=1, max_length=TEXT, description=(
        "Where the doctor declines to amend: the employee's statement of their views, which "
        "goes with the report."))


class DecideMedicalReportSupply(_AboutReport):
    """Having seen the report, the employee consents to its supply, or refuses it (s.5(1))."""

    supply: MedicalReportSupply


class RecordMedicalReportReceived(Command):
    """OH received the report. What it says is clinical (OH only)."""

    report_number: int = Field(ge=1)
    received_on: date
    summary: str | None = Field(default=None, max_length=TEXT, description="OH only.")


class MedicalReportConsentGiven(Event):
    """The employee consented to an application for report `number` (s.3)."""

    type: Literal["MedicalReportConsentGiven"] = "MedicalReportConsentGiven"
    number: int
    doctor: Doctor
    wishes_access: bool
    given_on: date
    evidence: str | None = None


class MedicalReportRequested(Event):
    """OH applied for report `number`; if the employee wishes to see it, the doctor may supply
    it unseen only from `may_supply_from` (s.4(4)(b))."""

    type: Literal["MedicalReportRequested"] = "MedicalReportRequested"
    number: int
    practitioner: str
    requested_on: date


class MedicalReportAccessAsked(Event):
    type: Literal["MedicalReportAccessAsked"] = "MedicalReportAccessAsked"
    number: int
    asked_on: date
    evidence: str | None = None


class MedicalReportAccessArranged(Event):
    type: Literal["MedicalReportAccessArranged"] = "MedicalReportAccessArranged"
    number: int
    arranged_on: date
    evidence: str | None = None


class MedicalReportAmendmentRequested(Event):
    type: Literal["MedicalReportAmendmentRequested"] = "MedicalReportAmendmentRequested"
    number: int
    amendment: str | None = None
    statement: str | None = None
    evidence: str | None = None


class MedicalReportSupplyDecided(Event):
    type: Literal["MedicalReportSupplyDecided"] = "MedicalReportSupplyDecided"
    number: int
    supply: MedicalReportSupply
    decided_on: date
    evidence: str | None = None


class MedicalReportReceived(Event):
    type: Literal["MedicalReportReceived"] = "MedicalReportReceived"
    number: int
    received_on: date
    summary: str | None = None


def may_supply_from(report: MedicalReport) -> date | None:
    """The first day the doctor may supply a report the employee wished to see but has not
    arranged to: 21 days beginning with the day of the application have passed (s.4(4)(b))."""
    if report.requested_on is None:
        return None
    return report.requested_on + timedelta(days=ACCESS_PERIOD_DAYS)


def waiting_for_access(report: MedicalReport, today: date) -> bool:
    """Whether the doctor must not supply the report yet (s.4(4), s.5(1))."""
    if report.supply is MedicalReportSupply.CONSENTED:
        return False
    if report.supply is MedicalReportSupply.REFUSED:
        return True
    if report.access_arranged_on is not None:
        return True
    start = may_supply_from(report)
    return report.wishes_access and (start is None or today < start)


def _report(state: CaseState, number: int) -> MedicalReport:
    for report in state.medical_reports:
        if report.number == number:
            return report
    held = len(state.medical_reports)
    raise InvalidCommand("report_number", f"the employee has consented to {held} medical "
                         f"report application{'' if held == 1 else 's'}; there is no {number}")


def _dated(command: _EmployeesWord, now: datetime, actor: Actor, not_before: date) -> date:
    return dated_word(command, now, actor, own="word", not_before=not_before,
                      not_before_text=not_before.isoformat())


def _by(actor: Actor) -> str:
    return "the employee" if actor.role is Role.EMPLOYEE else f"OH {actor.id}, from their " \
        "written word"


def consent_to_medical_report(state: CaseState, command: ConsentToMedicalReport, now: datetime,
                              actor: Actor) -> list[CaseEvent]:
    given_on = _dated(command, now, actor, london_date(state.opened_at) - timedelta(days=365))
    number = len(state.medical_reports) + 1
    see = "wishes" if command.wishes_to_see_report else "does not wish"
    return [MedicalReportConsentGiven(
        occurred_at=now, actor=actor, number=number, doctor=command.doctor,
        wishes_access=command.wishes_to_see_report, given_on=given_on,
        evidence=command.evidence,
        reason=f"consent to apply to {DOCTOR_WORDS[command.doctor]} for medical report {number}"
        f" (Access to Medical Reports Act 1988, s.3), given by {_by(actor)}; the employee {see}"
        " to see it before it is supplied (s.4)")]


def request_medical_report(state: CaseState, command: RequestMedicalReport, now: datetime,
                           actor: Actor) -> list[CaseEvent]:
    report = _report(state, command.report_number)
    if report.requested_on is not None:
        raise InvalidCommand("report_number", f"medical report {report.number} was applied for "
                             f"on {report.requested_on.isoformat()}")
    if report.supply is MedicalReportSupply.REFUSED:
        raise InvalidCommand("report_number", f"the employee refused the supply of medical "
                             f"report {report.number}")
    today = london_date(now)
    window = ""
    if report.wishes_access:
        ends = today + timedelta(days=ACCESS_PERIOD_DAYS - 1)
        window = f"; the employee has until {ends.isoformat()} to arrange to see it (s.4(4))"
    return [MedicalReportRequested(
        occurred_at=now, actor=actor, number=report.number, practitioner=command.practitioner,
        requested_on=today,
        reason=f"OH applied to {DOCTOR_WORDS[report.doctor]} for medical report "
        f"{report.number} with the employee's consent of {report.consent_on.isoformat()}"
        + window)]


def _not_supplied(report: MedicalReport, field: str = "report_number") -> None:
    if report.received_on is not None:
        raise InvalidCommand(field, f"medical report {report.number} was supplied on "
                             f"{report.received_on.isoformat()}")
    if report.supply is not None:
        raise InvalidCommand(field, f"the employee has decided on the supply of medical report "
                             f"{report.number} ({report.supply.value})")


def ask_to_see_medical_report(state: CaseState, command: AskToSeeMedicalReport, now: datetime,
                              actor: Actor) -> list[CaseEvent]:
    report = _report(state, command.report_number)
    _not_supplied(report)
    if report.wishes_access:
        raise InvalidCommand("report_number", f"the employee already asked to see medical "
                             f"report {report.number} before it is supplied")
    asked_on = _dated(command, now, actor, report.consent_on)
    return [MedicalReportAccessAsked(
        occurred_at=now, actor=actor, number=report.number, asked_on=asked_on,
        evidence=command.evidence,
        reason=f"the employee asked to see medical report {report.number} before it is "
        f"supplied (s.4(2)), recorded by {_by(actor)}")]


def arrange_medical_report_access(state: CaseState, command: ArrangeMedicalReportAccess,
                                  now: datetime, actor: Actor) -> list[CaseEvent]:
    report = _report(state, command.report_number)
    _not_supplied(report)
    start = may_supply_from(report)
    if start is None or not report.wishes_access:
        raise InvalidCommand("report_number", f"medical report {report.number} is not awaiting "
                             "the employee's access: it must be applied for, and the employee "
                             "must have asked to see it")
    if report.access_arranged_on is not None:
        raise InvalidCommand("report_number", f"access to medical report {report.number} was "
                             f"arranged on {report.access_arranged_on.isoformat()}")
    arranged_on = _dated(command, now, actor, report.requested_on or report.consent_on)
    if arranged_on >= start:
        raise InvalidCommand("on" if actor.role is Role.OH else "report_number",
                             f"the 21 days to arrange access ended on "
                             f"{(start - timedelta(days=1)).isoformat()}: the doctor may supply "
                             "the report (s.4(4)(b)); the employee may still refuse its supply")
    return [MedicalReportAccessArranged(
        occurred_at=now, actor=actor, number=report.number, arranged_on=arranged_on,
        evidence=command.evidence,
        reason=f"the employee arranged with the doctor to see medical report {report.number} "
        f"(s.4(4)(a)), recorded by {_by(actor)}")]


def _seen(report: MedicalReport, what: str) -> None:
    if not report.wishes_access or report.requested_on is None:
        raise InvalidCommand("report_number", f"{what} follows the employee seeing medical "
                             f"report {report.number} before its supply (s.5)")


def request_medical_report_amendment(state: CaseState, command: RequestMedicalReportAmendment,
                                     now: datetime, actor: Actor) -> list[CaseEvent]:
    if command.amendment is None and command.statement is None:
        raise InvalidCommand("amendment", "name what is incorrect or misleading, or give a "
                             "'statement' of your views to go with the report")
    report = _report(state, command.report_number)
    _not_supplied(report)
    _seen(report, "an amendment or a statement")
    _dated(command, now, actor, report.requested_on or report.consent_on)
    asked = " and ".join(part for part, given in (
        ("an amendment", command.amendment), ("a statement of their views", command.statement))
        if given)
    return [MedicalReportAmendmentRequested(
        occurred_at=now, actor=actor, number=report.number, amendment=command.amendment,
        statement=command.statement, evidence=command.evidence,
        reason=f"the employee asked for {asked} on medical report {report.number} (s.5(2)), "
        f"recorded by {_by(actor)}")]


def decide_medical_report_supply(state: CaseState, command: DecideMedicalReportSupply,
                                 now: datetime, actor: Actor) -> list[CaseEvent]:
    report = _report(state, command.report_number)
    _not_supplied(report)
    _seen(report, "a decision on its supply")
    decided_on = _dated(command, now, actor, report.requested_on or report.consent_on)
    word = "consented to" if command.supply is MedicalReportSupply.CONSENTED else "refused"
    return [MedicalReportSupplyDecided(
        occurred_at=now, actor=actor, number=report.number, supply=command.supply,
        decided_on=decided_on, evidence=command.evidence,
        reason=f"the employee {word} the supply of medical report {report.number} (s.5(1)), "
        f"recorded by {_by(actor)}")]


def record_medical_report_received(state: CaseState, command: RecordMedicalReportReceived,
                                   now: datetime, actor: Actor) -> list[CaseEvent]:
    report = _report(state, command.report_number)
    check_day_not_in_future("received_on", command.received_on, now)
    if report.requested_on is None:
        raise InvalidCommand("report_number", f"medical report {report.number} was never "
                             "applied for")
    if report.received_on is not None:
        raise InvalidCommand("report_number", f"medical report {report.number} was received "
                             f"on {report.received_on.isoformat()}")
    if command.received_on < report.requested_on:
        raise InvalidCommand("received_on", "must not be before the application on "
                             f"{report.requested_on.isoformat()}")
    if waiting_for_access(report, command.received_on):
        why = ("the employee refused its supply (s.5(1))"
               if report.supply is MedicalReportSupply.REFUSED else
               "the employee arranged to see it and has not consented to its supply (s.5(1))"
               if report.access_arranged_on is not None else
               "the employee wished to see it and the 21 days to arrange that run until "
               f"{(may_supply_from(report) or command.received_on) - timedelta(days=1)} "
               "(s.4(4))")
        raise InvalidCommand("received_on", f"the doctor may not supply medical report "
                             f"{report.number} yet: {why}; return it unread")
    return [MedicalReportReceived(
        occurred_at=now, actor=actor, number=report.number, received_on=command.received_on,
        summary=command.summary,
        reason=f"medical report {report.number} received from {DOCTOR_WORDS[report.doctor]}")]


def _no_application_without_consent(state: CaseState, actor: Actor) -> None:
    if not state.medical_reports:
        raise PreconditionNotMet(
            "the employee's written consent (Access to Medical Reports Act 1988, s.3)",
            Action.CONSENT_TO_MEDICAL_REPORT.value,
            "no application for a medical report is made before the employee has consented "
            "to it")


def deadlines(state: CaseState) -> list[Deadline]:
    """The end of the 21 days for each report the employee wished to see and has not arranged
    to yet: the employee and OH are told the doctor may now supply it (s.4(4)(b))."""
    found = []
    for report in state.medical_reports:
        start = may_supply_from(report)
        if (start is None or not report.wishes_access or report.access_arranged_on is not None
                or report.supply is not None or report.received_on is not None):
            continue
        found.append(Deadline(
            key=f"medical_report_access_r{report.number}", name=ACCESS_PERIOD,
            due_at=on_day(start, state.policy), recipients=(Role.EMPLOYEE, Role.OH),
            why=f"the 21 days to arrange to see medical report {report.number} ended: the "
            "doctor may supply it (Access to Medical Reports Act 1988, s.4(4)(b))"))
    return found


def _replace(state: CaseState, number: int, **changes: object) -> Changes:
    return {"medical_reports": tuple(
        r.model_copy(update=changes) if r.number == number else r for r in state.medical_reports)}


def _consented(state: CaseState, event: MedicalReportConsentGiven) -> Changes:
    return {"medical_reports": (*state.medical_reports, MedicalReport(
        number=event.number, doctor=event.doctor, consent_on=event.given_on,
        wishes_access=event.wishes_access))}


def _requested(state: CaseState, event: MedicalReportRequested) -> Changes:
    return _replace(state, event.number, requested_on=event.requested_on)


def _access_asked(state: CaseState, event: MedicalReportAccessAsked) -> Changes:
    return _replace(state, event.number, wishes_access=True)


def _access_arranged(state: CaseState, event: MedicalReportAccessArranged) -> Changes:
    return _replace(state, event.number, access_arranged_on=event.arranged_on)


def _amendment(state: CaseState, event: MedicalReportAmendmentRequested) -> Changes:
    report = _report(state, event.number)
    return _replace(state, event.number,
                    amendments_requested=report.amendments_requested + int(bool(event.amendment)),
                    statement_attached=report.statement_attached or bool(event.statement))


def _supply(state: CaseState, event: MedicalReportSupplyDecided) -> Changes:
    return _replace(state, event.number, supply=event.supply)


def _received(state: CaseState, event: MedicalReportReceived) -> Changes:
    return _replace(state, event.number, received_on=event.received_on)


EVOLUTION: Evolution = {
    MedicalReportConsentGiven: _consented, MedicalReportRequested: _requested,
    MedicalReportAccessAsked: _access_asked, MedicalReportAccessArranged: _access_arranged,
    MedicalReportAmendmentRequested: _amendment, MedicalReportSupplyDecided: _supply,
    MedicalReportReceived: _received,
}

PRECONDITIONS: Preconditions = {Action.REQUEST_MEDICAL_REPORT: (_no_application_without_consent,)}

_WRITTEN = {"on": "2026-11-23", "evidence": "signed consent form, document 5"}

RULES: dict[Action, ActionRule] = {
    Action.CONSENT_TO_MEDICAL_REPORT: ActionRule(
        command=ConsentToMedicalReport, decide=consent_to_medical_report, roles=EMPLOYEE_OR_OH,
        stages=FILE_STAGES, path="medical-reports/consents",
        example={"doctor": "gp", "wishes_to_see_report": True, **_WRITTEN},
    ),
    Action.REQUEST_MEDICAL_REPORT: ActionRule(
        command=RequestMedicalReport, decide=request_medical_report, roles=OH,
        stages=FILE_STAGES, path="medical-reports",
        example={"report_number": 1, "practitioner": "Dr A Shah, Riverside Surgery"},
    ),
    Action.ASK_TO_SEE_MEDICAL_REPORT: ActionRule(
        command=AskToSeeMedicalReport, decide=ask_to_see_medical_report, roles=EMPLOYEE_OR_OH,
        stages=FILE_STAGES, path="medical-reports/access-requests",
        example={"report_number": 1, **_WRITTEN},
    ),
    Action.ARRANGE_MEDICAL_REPORT_ACCESS: ActionRule(
        command=ArrangeMedicalReportAccess, decide=arrange_medical_report_access,
        roles=EMPLOYEE_OR_OH, stages=FILE_STAGES, path="medical-reports/access-arranged",
        example={"report_number": 1, **_WRITTEN},
    ),
    Action.REQUEST_MEDICAL_REPORT_AMENDMENT: ActionRule(
        command=RequestMedicalReportAmendment, decide=request_medical_report_amendment,
        roles=EMPLOYEE_OR_OH, stages=FILE_STAGES, path="medical-reports/amendments",
        example={"report_number": 1, "amendment": "The report gives the wrong start date.",
                 **_WRITTEN},
    ),
    Action.DECIDE_MEDICAL_REPORT_SUPPLY: ActionRule(
        command=DecideMedicalReportSupply, decide=decide_medical_report_supply,
        roles=EMPLOYEE_OR_OH, stages=FILE_STAGES, path="medical-reports/supply-decisions",
        example={"report_number": 1, "supply": "consented", **_WRITTEN},
    ),
    Action.RECORD_MEDICAL_REPORT_RECEIVED: ActionRule(
        command=RecordMedicalReportReceived, decide=record_medical_report_received, roles=OH,
        stages=FILE_STAGES, path="medical-reports/received",
        example={"report_number": 1, "received_on": "2026-11-23", "summary": "OH only"},
    ),
}
