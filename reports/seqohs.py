"""A SEQOHS evidence pack: what the event history can show an assessor of an OH service, with
the method behind each figure, and plainly what it cannot show.

SEQOHS (Safe Effective Quality Occupational Health Service) accreditation asks for evidence
under several domains. rtw's record can evidence timeliness (every deadline and when it was
met), record keeping (a chained, verifiable history naming who, when and why), confidentiality
and consent (consent recorded with each assessment, every read of a case logged), outcomes, and
audit (whole trails of sampled cases). It records no complaints, incidents, customer feedback
or report releases yet, and the pack says so rather than leave a gap unexplained.

Runs synchronously (it reads the store): call it from a thread in async code.
"""

from __future__ import annotations

import csv
import html
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.kpis import CaseFacts, Period, evaluate
from eventstore.replay import state_of
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from eventstore.view import EventView


@dataclass(frozen=True)
class Finding:
    """One thing an assessor asks, and what rtw's record says of it."""

    domain: str
    asks: str
    evidence: str
    method: str
    evidenced: bool


@dataclass(frozen=True)
class TrailStep:
    """One recorded decision of a sampled case: what, who, when, through what; no content."""

    position: int
    type: str
    occurred_at: str
    recorded_at: str
    actor_role: str
    actor_id: str
    source: str
    policy_version: str


@dataclass(frozen=True)
class SeqohsPack:
    period: Period
    employer_id: str | None
    findings: tuple[Finding, ...]
    trails: dict[str, tuple[TrailStep, ...]]


def _share(hits: int, total: int) -> str:
    return f"{hits} of {total} ({hits / total:.0%})" if total else "none in the period"


def gather(store: CaseEventStore, facts: Sequence[CaseFacts], period: Period, *,
           accesses: Iterable[dict[str, object]], employer_id: str | None = None,
           sample: int = 5, seed: int = 0) -> SeqohsPack:
    """The pack for the cases opened in `period` (of one employer, or all)."""
    cases = [f for f in facts if period.holds(f.opened_on)
             and (employer_id is None or f.employer_id == employer_id)]
    ids = {c.case_id for c in cases}
    measures = evaluate(facts, period, employer_id=employer_id).measures
    referred = [c for c in cases if c.oh_referred_on is not None]
    assessed_in_time = [c for c in referred if c.assessment_met is True]
    judged_assessment = [c for c in referred if c.assessment_met is not None]
    contacted_in_time = [c for c in cases if c.contact_met is True]
    judged_contact = [c for c in cases if c.contact_met is not None]

    verdicts = [v for v in verify_cases(store) if v.case_id in ids]
    intact = [v for v in verdicts if v.broken is None]
    records = {case_id: store.history(case_id) for case_id in sorted(ids)}
    events = [r for case_records in records.values() for r in case_records]
    unnamed = [r for r in events if not (r.actor_id and r.actor_role and r.reason
                                         and r.policy_version)]
    states = [state_of(case_records) for case_records in records.values()]
    assessments = [a for state in states if state is not None for a in state.assessments]
    offered = [a for a in assessments if a.consent.report_offered_to_employee]
    reads = [a for a in accesses if str(a.get("case_id")) in ids]
    by_role = Counter(str(a.get("role")) for a in reads)

    findings = (
        Finding("Timeliness", "First OH appointment within the agreed timescale of referral",
                f"{_share(len(assessed_in_time), len(judged_assessment))} first assessments "
                f"on time; median {measures['median_days_to_first_assessment']} days",
                "For each case referred to OH in the period: its first recorded assessment "
                "against the deadline set at referral by the policy in force (first "
                "consultation within the policy's days); cases not yet due are left out.",
                True),
        Finding("Timeliness", "Early contact with the absent employee",
                f"{_share(len(contacted_in_time), len(judged_contact))} contacts by the "
                "deadline",
                "The line manager's first recorded contact against the policy's deadline "
                "(the working day after the absence was reported).", True),
        Finding("Timeliness", "OH reports sent within the agreed timescale", "not recorded",
                "rtw records the assessment and the employee's consent, not the release of a "
                "report to the employer.", False),
        Finding("Record keeping", "Records complete, attributable and unaltered",
                f"{_share(len(intact), len(verdicts))} case records verify on their hash "
                f"chain; {len(events) - len(unnamed)} of {len(events)} decisions name who, "
                "when, why and the policy version",
                "`rtw audit verify` over each case opened in the period (HMAC chain and chain "
                "head), and a check of every stored decision's audit fields.", True),
        Finding("Confidentiality and consent",
                "Consent recorded before anything is shared; the employee offered the report",
                f"{_share(len(offered), len(assessments))} assessments record that the report "
                "was offered to the employee; every assessment records its consent scope",
                "Each assessment's recorded consent scope. Managers and HR are shown fitness "
                "and adjustments only where that scope allows, by one rule in the code "
                "(domain/disclosure.py), never clinical notes or diagnosis.", True),
        Finding("Confidentiality and consent", "Access to records is controlled and audited",
                f"{len(reads)} reads of these cases recorded"
                + (" (" + ", ".join(f"{role} {n}" for role, n in sorted(by_role.items()))
                   + ")" if by_role else ""),
                "The access log: every read of a case or its history through the API or the "
                "command line, with role, time and client.", True),
        Finding("Outcomes", "Outcome measures of the service",
                f"returned to work {measures['returned_to_work_rate']}; sustained "
                f"{measures['sustained_return_rate']}; median days absent "
                f"{measures['median_days_absent']}",
                "The measures of `rtw report`, as the README defines them.", True),
        Finding("Complaints and incidents", "Complaints and incidents logged and learnt from",
                "not recorded", "rtw has no record of complaints or incidents.", False),
        Finding("Customer feedback", "Feedback from employees and employers reviewed",
                "not recorded", "rtw records the most important intervention as the employee "
                "and the case manager saw it, not satisfaction feedback.", False),
    )
    chosen = random.Random(seed).sample(sorted(ids), min(sample, len(ids)))  # noqa: S311 - a sample, not a secret
    trails = {case_id: tuple(_step(EventView.read(r)) for r in records[case_id])
              for case_id in sorted(chosen)}
    return SeqohsPack(period=period, employer_id=employer_id, findings=findings, trails=trails)


def _step(view: EventView) -> TrailStep:
    return TrailStep(position=view.position, type=view.type,
                     occurred_at=view.occurred_at.isoformat(),
                     recorded_at=view.recorded_at.isoformat(), actor_role=view.actor_role,
                     actor_id=view.actor_id, source=view.source,
                     policy_version=view.policy_version)


def write(pack: SeqohsPack, out: Path) -> list[Path]:
    """`seqohs.csv` (one row per finding) and `seqohs.html` (findings, then the trails)."""
    out.mkdir(parents=True, exist_ok=True)
    table = out / "seqohs.csv"
    with table.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["domain", "asks", "evidence", "method", "evidenced"])
        for f in pack.findings:
            writer.writerow([f.domain, f.asks, f.evidence, f.method, "yes" if f.evidenced
                             else "no"])
    page = out / "seqohs.html"
    page.write_text(_page(pack), encoding="utf-8")
    return [table, page]


def _page(pack: SeqohsPack) -> str:
    e = html.escape
    scope = e(pack.employer_id) if pack.employer_id else "all employers"
    rows = "".join(
        f"<tr><td>{e(f.domain)}</td><td>{e(f.asks)}</td><td>{e(f.evidence)}</td>"
        f"<td>{e(f.method)}</td><td>{'yes' if f.evidenced else 'no'}</td></tr>"
        for f in pack.findings)
    trails = "".join(
        f"<h3>Case {e(case_id)}</h3><table><caption>Recorded decisions of case "
        f"{e(case_id)}</caption><thead><tr><th scope=\"col\">#</th><th scope=\"col\">what"
        "</th><th scope=\"col\">happened</th><th scope=\"col\">recorded</th>"
        "<th scope=\"col\">who</th><th scope=\"col\">through</th><th scope=\"col\">policy"
        "</th></tr></thead><tbody>"
        + "".join(f"<tr><td>{s.position}</td><td>{e(s.type)}</td><td>{e(s.occurred_at)}</td>"
                  f"<td>{e(s.recorded_at)}</td><td>{e(s.actor_role)} {e(s.actor_id)}</td>"
                  f"<td>{e(s.source)}</td><td>{e(s.policy_version)}</td></tr>" for s in steps)
        + "</tbody></table>"
        for case_id, steps in pack.trails.items())
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>SEQOHS evidence pack</title><style>"
        "body{font-family:Arial,sans-serif;margin:2rem;color:#212b32;max-width:70rem}"
        "table{border-collapse:collapse;margin:1rem 0;width:100%}"
        "th,td{border:1px solid #d8dde0;padding:.4rem;text-align:left;vertical-align:top}"
        "caption{font-weight:bold;text-align:left;padding:.4rem 0}"
        "@media print{body{margin:0}h3{break-before:page}}</style></head><body>"
        "<h1>SEQOHS evidence pack</h1>"
        f"<p>Cases opened from {pack.period.start.isoformat()} to "
        f"{pack.period.end.isoformat()}, {scope}. Each figure says how it was computed; "
        "what the record cannot evidence is marked <strong>no</strong>.</p>"
        "<table><caption>Findings</caption><thead><tr><th scope=\"col\">domain</th>"
        "<th scope=\"col\">the assessor asks</th><th scope=\"col\">evidence</th>"
        "<th scope=\"col\">method</th><th scope=\"col\">evidenced</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<h2>Sample audit trails</h2><p>Cases drawn at random (a fixed seed, so the same "
        "pack is drawn again); the trail shows what was decided, by whom, when and through "
        "what, never the content.</p>"
        f"{trails}</body></html>")
