"""`rtw policy simulate`: the recorded cases replayed under another policy version (see
`domain.simulation`), read from the event store and printed as a table or JSON.

Like `rtw audit`, it reads every case it is given, so it writes who ran it to the access log
before it reads anything.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from cli.policy import PolicyUsageError
from domain.calendar import london_date
from domain.events import OPENING_EVENTS, CaseEvent, parse_event
from domain.evolve import ReplayError
from domain.kpis import Period
from domain.policy import Policy
from domain.simulation import (
    CaseSimulation,
    DeadlineComparison,
    DeadlineOutcome,
    KpiComparison,
    Sides,
    SimulationTotals,
    compare_kpis,
    simulate_case,
    totals,
)
from eventstore.export import export_pages
from eventstore.moments import parse_date, parse_moment
from eventstore.store import CaseEventStore
from infra import bootstrap
from infra.settings import MISSING_AUDIT_KEY, Settings
from readside.access_log import Access, record_access_sync


@dataclass(frozen=True)
class Selection:
    """Which recorded cases to simulate: opened in `period` (None: any day), of one employer
    (None: every employer)."""

    period: Period | None
    employer_id: str | None

    def takes(self, opening: CaseEvent) -> bool:
        employer = getattr(opening, "employer_id", None)
        if self.employer_id is not None and employer != self.employer_id:
            return False
        return self.period is None or self.period.holds(london_date(opening.occurred_at))


@dataclass(frozen=True)
class SimulationReport:
    """Everything `rtw policy simulate` prints."""

    policy: Policy
    policy_file: str
    selection: Selection
    period: Period
    as_of: datetime
    simulations: list[CaseSimulation]
    unreadable: list[tuple[str, str]]
    kpis: tuple[KpiComparison, ...]
    totals: SimulationTotals


def read_policy(path_text: str) -> Policy:
    """One policy version from a JSON file; a `PolicyUsageError` naming what is wrong."""
    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyUsageError(f"--policy {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyUsageError(f"--policy {path}: cannot be read ({error})") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PolicyUsageError(f"--policy {path}: not JSON: {error}") from None
    if not isinstance(data, dict):
        raise PolicyUsageError(f"--policy {path}: give one policy version, a JSON object with "
                               "'version' and 'effective_from' (an employer's file holds a "
                               "list: take the version from it)")
    try:
        return Policy.model_validate(data)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "version"
        raise PolicyUsageError(f"--policy {path}: {where}: {first['msg']}") from None


def selection_from(args: Any) -> Selection:
    if (args.date_from is None) != (args.date_to is None):
        raise PolicyUsageError("give both --from and --to (YYYY-MM-DD), or neither")
    period = None
    if args.date_from is not None:
        try:
            period = Period(parse_date(args.date_from), parse_date(args.date_to))
        except ValueError as error:
            raise PolicyUsageError(f"--from/--to: {error}") from None
        if period.start > period.end:
            raise PolicyUsageError("--from must be on or before --to")
    return Selection(period=period, employer_id=args.employer)


def recorded_cases(store: CaseEventStore, selection: Selection
                   ) -> Iterator[tuple[str, list[CaseEvent]]]:
    """Each selected case's events in recorded order, read once from the store's log."""
    kept: dict[str, list[tuple[int, CaseEvent]]] = {}
    passed_over: set[str] = set()
    for page in export_pages(store):
        for record in page:
            case_id = record.case_id
            if case_id in passed_over:
                continue
            event = parse_event(record.data)
            if case_id not in kept and (not isinstance(event, OPENING_EVENTS)
                                        or not selection.takes(event)):
                passed_over.add(case_id)
                continue
            kept.setdefault(case_id, []).append((record.position, event))
    for case_id, numbered in kept.items():
        yield case_id, [event for _, event in sorted(numbered, key=lambda pair: pair[0])]


def simulate_store(store: CaseEventStore, policy: Policy, selection: Selection, *,
                   as_of: datetime, policy_file: str = "") -> SimulationReport:
    """Every selected case of the store simulated under `policy`, with the figures compared
    over the selection's period (else from the first opening to `as_of`)."""
    simulations: list[CaseSimulation] = []
    unreadable: list[tuple[str, str]] = []
    for case_id, events in recorded_cases(store, selection):
        try:
            simulations.append(simulate_case(events, policy, until=as_of))
        except ReplayError as error:
            unreadable.append((case_id, str(error)))
    period = selection.period or Period(
        min((london_date(s.actual.opened_at) for s in simulations), default=london_date(as_of)),
        max(london_date(as_of), *(london_date(s.until) for s in simulations)))
    return SimulationReport(
        policy=policy, policy_file=policy_file, selection=selection, period=period,
        as_of=as_of, simulations=simulations, unreadable=unreadable,
        kpis=compare_kpis(simulations, period, employer_id=selection.employer_id),
        totals=totals(simulations))


def run_simulate(args: Any, settings: Settings, out: TextIO) -> int:
    policy = read_policy(args.policy)
    selection = selection_from(args)
    as_of = datetime.now(UTC)
    if args.as_of is not None:
        try:
            as_of = parse_moment(args.as_of)
        except ValueError as error:
            raise PolicyUsageError(f"--as-of: {error}") from None
    if not settings.audit_hmac_key:
        raise PolicyUsageError(MISSING_AUDIT_KEY)
    _log_read(settings, policy, selection)
    try:
        store = bootstrap.event_store(settings)
    except ValueError as error:
        raise PolicyUsageError(str(error)) from None
    try:
        report = simulate_store(store, policy, selection, as_of=as_of, policy_file=args.policy)
    finally:
        store.close()
    if args.format == "json":
        print(json.dumps(as_json(report), indent=2), file=out)
    else:
        print_table(report, out)
    return 0


def _log_read(settings: Settings, policy: Policy, selection: Selection) -> None:
    user = getpass.getuser()
    scope = [f"policy={policy.version}"]
    if selection.period is not None:
        scope.append(f"from={selection.period.start} to={selection.period.end}")
    if selection.employer_id is not None:
        scope.append(f"employer={selection.employer_id}")
    record_access_sync(settings.require_database_url(), Access(
        subject=user, role="auditor", action="policy.simulate", case_id=None, channel="cli",
        client=f"cli:{user}", detail=" ".join(scope)))


# -- output -----------------------------------------------------------------------------------


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _outcome_json(outcome: DeadlineOutcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {"due_at": _moment(outcome.due_at), "status": outcome.status.value,
            "settled_at": _moment(outcome.settled_at)}


def _sides(sides: Sides) -> dict[str, int]:
    return {"actual": sides.actual, "simulated": sides.simulated, "delta": sides.delta}


def _case_json(simulation: CaseSimulation) -> dict[str, Any]:
    return {
        "case_id": simulation.case_id, "employer_id": simulation.employer_id,
        "recorded_policy": simulation.actual_policy,
        "simulated_until": _moment(simulation.until),
        "stage": {"actual": simulation.actual.stage.value,
                  "simulated": simulation.simulated.stage.value},
        "met": _sides(simulation.met), "missed": _sides(simulation.missed),
        "reminders": _sides(simulation.reminders),
        "escalations": _sides(simulation.escalations),
        "escalations_added": list(simulation.escalations_added),
        "escalations_avoided": list(simulation.escalations_avoided),
        "deadlines": [
            {"key": d.key, "name": d.name, "kind": d.kind.value, "changed": d.changed,
             "actual": _outcome_json(d.actual), "simulated": _outcome_json(d.simulated)}
            for d in simulation.deadlines
        ],
        "divergences": [
            {"position": d.position, "event_type": d.event_type,
             "simulated_stage": d.simulated_stage.value, "problem": d.problem,
             "applied": d.applied}
            for d in simulation.divergences
        ],
    }


def as_json(report: SimulationReport) -> dict[str, Any]:
    summed = report.totals
    return {
        "policy": {"version": report.policy.version, "file": report.policy_file},
        "employer_id": report.selection.employer_id,
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "as_of": _moment(report.as_of),
        "totals": {
            "cases": summed.cases, "cases_changed": summed.cases_changed,
            "met": _sides(summed.met), "missed": _sides(summed.missed),
            "reminders": _sides(summed.reminders), "escalations": _sides(summed.escalations),
            "escalations_added": summed.escalations_added,
            "escalations_avoided": summed.escalations_avoided,
            "divergences": summed.divergences,
        },
        "kpis": [{"measure": k.measure, "actual": k.actual, "simulated": k.simulated,
                  "delta": k.delta} for k in report.kpis],
        "cases": [_case_json(s) for s in report.simulations],
        "unreadable": [{"case_id": case_id, "problem": problem}
                       for case_id, problem in report.unreadable],
    }


def _pair(sides: Sides) -> str:
    return f"{sides.actual} -> {sides.simulated}"


def _figure(value: float | int | None) -> str:
    return "-" if value is None else f"{value:g}"


def _delta(value: float | int | None) -> str:
    return "-" if value is None else f"{value:+g}"


def _day(value: date) -> str:
    return value.isoformat()


def _deadline_side(outcome: DeadlineOutcome | None) -> str:
    if outcome is None:
        return "never due"
    due = outcome.due_at.isoformat(timespec="minutes")
    return f"{outcome.status.value} (due {due})"


def _deadline_line(comparison: DeadlineComparison) -> str:
    return (f"    {comparison.key}: {_deadline_side(comparison.actual)} -> "
            f"{_deadline_side(comparison.simulated)}")


def _rows(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip(), file=out)


def print_table(report: SimulationReport, out: TextIO) -> None:
    scope = report.selection.employer_id or "every employer"
    print(f"policy {report.policy.version} simulated on {report.totals.cases} recorded case(s) "
          f"of {scope} opened {_day(report.period.start)} to {_day(report.period.end)}; "
          f"cases still open run to {report.as_of.isoformat(timespec='minutes')}", file=out)
    print("(recorded -> simulated; deadlines someone owed: met in time, or missed and "
          "reminded or escalated)", file=out)
    print(file=out)
    header = ("case", "recorded policy", "met", "missed", "reminders", "escalations",
              "added", "avoided", "divergences")
    rows = [
        (s.case_id, s.actual_policy, _pair(s.met), _pair(s.missed), _pair(s.reminders),
         _pair(s.escalations), str(len(s.escalations_added)), str(len(s.escalations_avoided)),
         str(len(s.divergences)))
        for s in report.simulations
    ]
    summed = report.totals
    rows.append((f"total ({summed.cases_changed} of {summed.cases} changed)", "",
                 _pair(summed.met), _pair(summed.missed), _pair(summed.reminders),
                 _pair(summed.escalations), str(summed.escalations_added),
                 str(summed.escalations_avoided), str(summed.divergences)))
    _rows(header, rows, out)
    changed = [s for s in report.simulations if s.changed or s.divergences]
    if changed:
        print(file=out)
        print("what changes, case by case:", file=out)
    for simulation in changed:
        print(f"  {simulation.case_id}", file=out)
        for comparison in simulation.changed:
            print(_deadline_line(comparison), file=out)
        for divergence in simulation.divergences:
            taken = "applied all the same" if divergence.applied else "left out"
            print(f"    event {divergence.position} ({divergence.event_type}): "
                  f"{divergence.problem} ({taken})", file=out)
    for case_id, problem in report.unreadable:
        print(f"  {case_id}: cannot be replayed: {problem}", file=out)
    print(file=out)
    print(f"figures over {_day(report.period.start)} to {_day(report.period.end)} "
          "(the report's measures, each defined once in domain.kpis):", file=out)
    _rows(("measure", "recorded", "simulated", "delta"),
          [(k.measure, _figure(k.actual), _figure(k.simulated), _delta(k.delta))
           for k in report.kpis], out)
