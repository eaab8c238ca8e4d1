"""`rtw report`, and its proof: every figure it writes agrees exactly with the same figure
computed here from `rtw audit export --format jsonl`.

The computation below reads the exported events with plain code of its own: it imports
nothing of rtw's rules (no `domain.kpis`, no `domain.evolve`), so a figure the report got
wrong would disagree with it.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cli.main import main
from eventstore.store import CaseEventStore
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY
from tests.support.kpi_cases import write_varied_cases

LONDON = ZoneInfo("Europe/London")
OUTCOMES = ["returned_to_own_role", "returned_with_adjustments", "redeployed",
            "left_employment", "ill_health_retirement", "withdrawn", "declined",
            "resolved_without_absence", "started_work"]
RETURNS = {"returned_to_own_role", "returned_with_adjustments", "redeployed",
           "resolved_without_absence", "started_work"}
INTERVENTIONS = ["msk_treatment", "mental_health_therapy", "mediation_with_employer",
                 "learning_new_skills", "debt_legal_housing_or_personal",
                 "personal_support_confidence", "help_leaving_job_new_employment",
                 "pain_treatment_or_understanding"]
# Events that hold nothing a figure counts (every other type is read below, or fails the test).
NOT_COUNTED = {"PlanAgreed", "PlanReviewed", "ReferralAccepted", "ReferralDeclined",
               "MissedContactEscalated", "PhasedReturnCompleted", "PhasedReturnWeekReviewed",
               "PhasedReturnExtended", "RedeploymentTrialReviewed", "RedeploymentConcluded",
               "CheckInRecorded", "FitNoteRecorded", "FitNoteAdviceDeclined", "RiskFlagRaised",
               "EscalationConfirmed", "AbsenceExtended", "LeavingNotified",
               "CaseManagerAssigned", "CaseManagerCoverArranged", "SelfHelpCheckInRecorded",
               "VacancyMatched", "RedeploymentSignedOff", "ProceededToAssessment"}


def rtw(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    env.update({"RTW_HOME": str(tmp_path), "RTW_DATABASE_URL": database_url,
                "RTW_EVENT_CIPHER_KEY": TEST_CIPHER_KEY, "RTW_AUDIT_HMAC_KEY": TEST_AUDIT_KEY})
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


# -- the independent reading of the export --------------------------------------------------


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def london(text: str) -> date:
    return moment(text).astimezone(LONDON).date()


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass
class Case:
    """What the export says of one case, read field by field."""

    employer: str
    route: str
    source: str
    reason: str
    policy: str
    opened: date
    first_day: date | None
    contact_due: datetime | None = None
    contacted_at: datetime | None = None
    contact_reminded: bool = False
    referred_at: datetime | None = None
    assessment_due: datetime | None = None
    assessed: list[datetime] = field(default_factory=list)
    assessment_reminded: bool = False
    escalated: list[date] = field(default_factory=list)
    therapies: dict[int, date] = field(default_factory=dict)
    waits: list[int] = field(default_factory=list)
    back_on: date | None = None
    closed: date | None = None
    outcome: str | None = None
    returned: date | None = None
    by_employee: str | None = None
    by_manager: str | None = None
    followed_up: date | None = None
    sustained: bool | None = None
    follow_ups: list[tuple[date, bool]] = field(default_factory=list)

    def days_to_contact(self) -> int | None:
        if self.contacted_at is None:
            return None
        start = self.first_day if self.route == "return_to_work" and self.first_day else (
            self.opened)
        return (self.contacted_at.astimezone(LONDON).date() - start).days

    def answering_assessment(self) -> datetime | None:
        """The first assessment at or after the referral to OH (or the first, never referred)."""
        after = [a for a in sorted(self.assessed)
                 if self.referred_at is None or a >= self.referred_at]
        return after[0] if after else None

    def days_to_assessment(self) -> int | None:
        assessed = self.answering_assessment()
        if assessed is None:
            return None
        start = self.referred_at.astimezone(LONDON).date() if self.referred_at else self.opened
        return (assessed.astimezone(LONDON).date() - start).days

    def contact_met(self) -> bool | None:
        if self.contacted_at is not None and self.contact_due is not None:
            return self.contacted_at <= self.contact_due
        return False if self.contact_reminded else None

    def assessment_met(self) -> bool | None:
        assessed = self.answering_assessment()
        if assessed is not None and self.assessment_due is not None:
            return assessed <= self.assessment_due
        return False if self.assessment_reminded else None

    def days_absent(self) -> int | None:
        if self.first_day is None or self.closed is None:
            return None
        return ((self.returned or self.back_on or self.closed) - self.first_day).days

    def dates(self) -> list[date]:
        return [d for d in (self.opened, self.closed, self.followed_up) if d] + self.escalated


def contact_due(data: dict[str, Any], opened_at: str) -> datetime:
    """The end of the working day the policy gives for early contact, counted from the day
    the absence was reported (weekends and the policy's closure days are not working days)."""
    policy = data["policy"]
    closed_days = {date.fromisoformat(d) for d in policy["non_working_days"]}
    due = day(data.get("reported_on")) or london(opened_at)
    left = policy["contact_due_working_days"]
    while left:
        due += timedelta(days=1)
        if due.weekday() < 5 and due not in closed_days:
            left -= 1
    return datetime.combine(due, time.fromisoformat(policy["working_day_ends_at"]),
                            tzinfo=LONDON)


def read_export(lines: list[str]) -> dict[str, Case]:
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        event = json.loads(line)
        events[event["case_id"]].append(event)
    cases: dict[str, Case] = {}
    for case_id, history in events.items():
        case: Case | None = None
        for event in sorted(history, key=lambda e: e["position"]):
            kind, data, at = event["type"], event["data"], event["occurred_at"]
            if kind == "CaseOpened":
                case = Case(employer=data["employer_id"], route="return_to_work",
                            source="hr_notification", reason=data["reason_category"],
                            policy=data["policy"]["version"], opened=london(at),
                            first_day=day(data["first_day"]),
                            contact_due=contact_due(data, at))
                continue
            if kind == "ReferralReceived":
                case = Case(employer=data["employer_id"], route="stay_at_work",
                            source=data["source"], reason=data["reason_category"],
                            policy=data["policy"]["version"], opened=london(at),
                            first_day=None)
                continue
            assert case is not None, f"{case_id}: {kind} before the case opened"
            if kind == "AbsenceStarted":
                case.first_day = day(data["first_day"])
            elif kind == "EarlyContactRecorded":
                case.contacted_at = case.contacted_at or moment(data["contacted_at"])
            elif kind == "ManagerRemindedOfContact":
                case.contact_reminded = True
            elif kind == "OhReferralMade":
                case.referred_at = moment(at)
                case.assessment_due = moment(data["assessment_due_at"])
            elif kind == "AssessmentRecorded":
                case.assessed.append(moment(data["assessed_at"]))
            elif kind == "ReminderSent":
                case.assessment_reminded |= data.get("deadline_key") == "first_assessment_due"
            elif kind == "CaseEscalated":
                case.escalated.append(london(at))
            elif kind == "TherapyReferred":
                case.therapies[data["number"]] = date.fromisoformat(data["referred_on"])
            elif kind == "TherapyUpdated":
                if data["status"] == "started":
                    case.waits.append(
                        (date.fromisoformat(data["on"]) - case.therapies[data["number"]]).days)
            elif kind in ("PhasedReturnStarted", "RedeploymentTrialStarted"):
                case.back_on = case.back_on or date.fromisoformat(data["starts_on"])
            elif kind == "ReturnToWorkNotified":
                case.back_on = case.back_on or date.fromisoformat(data["returned_on"])
            elif kind == "CaseClosed":
                case.closed, case.outcome = date.fromisoformat(data["closed_on"]), data["outcome"]
                case.returned = day(data.get("returned_on"))
                case.by_employee = data.get("intervention_by_employee")
                case.by_manager = data.get("intervention_by_case_manager")
            elif kind == "FollowUpRecorded":
                case.followed_up = date.fromisoformat(data["checked_on"])
                case.sustained = data["sustained"]
                case.follow_ups.append((case.followed_up, case.sustained))
            elif kind == "CaseReopened":  # open again: not closed, its new referral unanswered
                case.closed = case.outcome = case.returned = None
                case.by_employee = case.by_manager = None
                case.assessment_reminded = False
            else:
                assert kind in NOT_COUNTED, f"the cross-check does not read {kind} events yet"
        assert case is not None
        cases[case_id] = case
    return cases


def median(values: list[int]) -> float | None:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if not ordered:
        return None
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def figures(cases: list[Case], first: date, last: date) -> dict[str, Any]:
    """Every figure of the report, from the cases as the export holds them."""

    def within(d: date | None) -> bool:
        return d is not None and first <= d <= last

    opened = [c for c in cases if within(c.opened)]
    closed = [c for c in cases if within(c.closed)]
    followed = [sustained for c in cases for on, sustained in c.follow_ups if within(on)]
    judged = [met for c in opened for met in (c.contact_met(), c.assessment_met())
              if met is not None]
    measures = {
        "referrals": len(opened),
        "cases_closed": len(closed),
        "returned_to_work_rate": rate(sum(c.outcome in RETURNS for c in closed), len(closed)),
        "median_days_to_first_contact": median(
            [d for c in opened if (d := c.days_to_contact()) is not None]),
        "median_days_to_first_assessment": median(
            [d for c in opened if (d := c.days_to_assessment()) is not None]),
        "median_days_absent": median([d for c in closed if (d := c.days_absent()) is not None]),
        "sustained_return_rate": rate(sum(followed), len(followed)),
        "deadlines_met_rate": rate(sum(judged), len(judged)),
        "escalations": sum(within(d) for c in cases for d in c.escalated),
        "median_days_waiting_for_therapy": median([w for c in opened for w in c.waits]),
    }
    outcomes = Counter(c.outcome for c in closed)
    return {
        "measures": measures,
        "outcomes": {o: outcomes[o] for o in OUTCOMES},
        "referrals": dict(Counter((c.route, c.source, c.reason) for c in opened)),
        "interventions": {i: (sum(c.by_employee == i for c in closed),
                              sum(c.by_manager == i for c in closed)) for i in INTERVENTIONS},
    }


# -- what the report wrote ------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def number(text: str) -> float | int | None:
    if text == "":
        return None
    return int(text) if text.isdigit() else float(text)


def report_figures(folder: Path) -> dict[str, Any]:
    return {
        "measures": {r["measure"]: number(r["value"]) for r in read_csv(folder / "kpis.csv")},
        "outcomes": {r["outcome"]: int(r["cases"]) for r in read_csv(folder / "outcomes.csv")},
        "referrals": {(r["route"], r["source"], r["reason_category"]): int(r["cases"])
                      for r in read_csv(folder / "referrals.csv")},
        "interventions": {r["intervention"]: (int(r["by_employee"]), int(r["by_case_manager"]))
                          for r in read_csv(folder / "interventions.csv")},
    }


async def test_every_figure_agrees_with_one_computed_from_the_audit_export(
        store: CaseEventStore, database_url: str, tmp_path: Path) -> None:
    await asyncio.to_thread(write_varied_cases, store)

    # Side by side, as two people might run them: both catch the projection up first.
    everything, acme_winter, exported = await asyncio.gather(
        asyncio.to_thread(rtw, tmp_path, database_url, "report", "--out", str(tmp_path / "all")),
        asyncio.to_thread(rtw, tmp_path, database_url, "report", "--employer", "acme-trust",
                          "--from", "2026-11-15", "--to", "2026-12-31",
                          "--out", str(tmp_path / "acme")),
        asyncio.to_thread(rtw, tmp_path, database_url, "audit", "export", "--format", "jsonl",
                          "--clinical", "--purpose", "Reconcile the report with the store"))

    assert everything.returncode == 0, everything.stderr
    assert acme_winter.returncode == 0, acme_winter.stderr
    assert exported.returncode == 0, exported.stderr
    cases = read_export(exported.stdout.splitlines())
    assert len(cases) == 12
    first = min(c.opened for c in cases.values())
    last = max(d for c in cases.values() for d in c.dates())
    expected = figures(list(cases.values()), first, last)
    assert report_figures(tmp_path / "all") == expected
    assert f"rtw report: {first.isoformat()} to {last.isoformat()}, every employer: 12 case(s)" \
        in everything.stdout
    acme = [c for c in cases.values() if c.employer == "acme-trust"]
    assert report_figures(tmp_path / "acme") == figures(
        acme, date(2026, 11, 15), date(2026, 12, 31))
    # The cohort reaches every kind of figure: none of the measures is empty.
    assert None not in expected["measures"].values()
    assert 0 < expected["measures"]["deadlines_met_rate"] < 1


async def test_the_seqohs_pack_is_written_with_its_findings_and_sampled_trails(
        store: CaseEventStore, database_url: str, tmp_path: Path) -> None:
    await asyncio.to_thread(write_varied_cases, store)

    result = await asyncio.to_thread(rtw, tmp_path, database_url, "report", "seqohs",
                                     "--sample", "3", "--seed", "4", "--out",
                                     str(tmp_path / "pack"))

    assert result.returncode == 0, result.stderr
    assert "findings evidenced" in result.stdout and "3 audit trail(s)" in result.stdout
    rows = read_csv(tmp_path / "pack" / "seqohs.csv")
    assert {row["domain"] for row in rows} >= {"Timeliness", "Record keeping",
                                               "Confidentiality and consent", "Outcomes"}
    records = next(row for row in rows if row["domain"] == "Record keeping")
    assert records["evidence"].startswith("12 of 12 (100%) case records verify")
    assert [row["evidenced"] for row in rows].count("no") == 3
    page = (tmp_path / "pack" / "seqohs.html").read_text()
    assert page.count("<h3>Case ") == 3 and "http" not in page


def refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            tmp_path: Path, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("RTW_HOME", str(tmp_path))
    monkeypatch.setenv("RTW_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    capsys.readouterr()
    code = main(["report", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("args", "expected"), [
    (["--from", "2026-13-01"], "rtw report: --from: '2026-13-01' is not a date (YYYY-MM-DD)"),
    (["--to", "31/12/2026"], "rtw report: --to: '31/12/2026' is not a date (YYYY-MM-DD)"),
    (["--from", "2027-01-01", "--to", "2026-12-31"],
     "rtw report: --from 2027-01-01 is after --to 2026-12-31; give --from on or before --to"),
    (["--employer", " "], "rtw report: --employer: give an employer id (1 to 100 printable "
     "characters)"),
])
def test_bad_input_is_one_line_naming_the_option_and_nothing_is_written(
        args: list[str], expected: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out"

    code, err = refused(monkeypatch, capsys, tmp_path, *args, "--out", str(out))

    assert code == 2
    assert err.splitlines() == [expected]
    assert not out.exists()


def test_an_out_folder_that_cannot_be_written_is_refused(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")

    code, err = refused(monkeypatch, capsys, tmp_path, "--out", str(a_file / "report"))

    assert code == 2
    assert err.splitlines() == [f"rtw report: --out: {a_file} is not a folder; give a folder "
                                "you can write to"]
    assert a_file.read_text() == "not a folder"
