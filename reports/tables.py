"""The report's tables: the rows of each figure, once, for the CSV files, the page and the API.

Codes stay codes in the CSV files (`returned_to_own_role`), for the people who load them into
something else; the page shows each with its label.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from domain.kpis import MEASURES, Evaluation
from domain.stages import ReasonCategory
from domain.vocabulary import Intervention, Outcome, Route

Value = float | int | None

TIME_MEASURES = ("median_days_to_first_contact", "median_days_to_first_assessment",
                 "median_days_absent", "median_days_waiting_for_therapy")

_LABELS = {
    Intervention.MSK_TREATMENT.value:
        "Musculoskeletal treatment (physio, chiropractor, osteopathy)",
    Intervention.MENTAL_HEALTH_THERAPY.value: "Mental health therapy (counselling, CBT)",
    Intervention.MEDIATION_WITH_EMPLOYER.value: "Mediation or negotiation with employer",
    Intervention.LEARNING_NEW_SKILLS.value: "Learning or new skills",
    Intervention.DEBT_LEGAL_HOUSING_OR_PERSONAL.value:
        "Debt, legal, housing or other personal problem",
    Intervention.PERSONAL_SUPPORT_CONFIDENCE.value: "Personal support or confidence building",
    Intervention.HELP_LEAVING_JOB_NEW_EMPLOYMENT.value: "Help with leaving job or new employment",
    Intervention.PAIN_TREATMENT_OR_UNDERSTANDING.value:
        "Better treatment or understanding of pain",
    ReasonCategory.MUSCULOSKELETAL.value: "Musculoskeletal",
    Outcome.ILL_HEALTH_RETIREMENT.value: "Ill-health retirement",
    "hr_notification": "HR absence notification",
    "gp": "GP",
}


def label(code: str) -> str:
    """How the page names a code: `returned_to_own_role` -> 'Returned to own role'."""
    return _LABELS.get(code) or code.replace("_", " ").capitalize()


def cell(value: Value) -> str:
    """A figure in a CSV cell: counts as whole numbers, rates and medians as decimals (0.75,
    4.5), and an empty cell where there is nothing to measure."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("a figure is a number, not a flag")
    return str(value) if isinstance(value, int) else repr(float(value))


def shown(name: str, value: Value) -> str:
    """A figure as the page shows it: rates as percentages, medians in days."""
    if value is None:
        return "no value (nothing to measure)"
    if name.endswith("_rate"):
        return f"{100 * value:.1f}%"
    if name.startswith("median_days"):
        return f"{value:g} days"
    return f"{value:g}"


def measure_rows(evaluation: Evaluation) -> list[tuple[str, Value, str]]:
    """Each measure in the order `MEASURES` defines them: name, value, definition."""
    return [(m.name, evaluation.measures[m.name], m.definition) for m in MEASURES]


def outcome_rows(evaluation: Evaluation) -> list[tuple[str, int]]:
    """Every outcome a case can close with, and how many closed with it in the period."""
    return [(o.value, evaluation.outcomes.get(o.value, 0)) for o in Outcome]


def referral_rows(evaluation: Evaluation) -> list[tuple[str, str, str, int]]:
    """Cases opened, by route, source and reason category (the combinations that occur)."""
    return [(*key, cases) for key, cases in sorted(evaluation.referrals.items())]


def reason_route_rows(evaluation: Evaluation) -> list[tuple[str, tuple[int, int]]]:
    """Cases opened by reason category: (return to work, stay at work)."""
    counts = {(route, reason): 0 for route in Route for reason in ReasonCategory}
    for (route, _, reason), cases in evaluation.referrals.items():
        counts[(Route(route), ReasonCategory(reason))] += cases
    return [(reason.value, (counts[(Route.RETURN_TO_WORK, reason)],
                            counts[(Route.STAY_AT_WORK, reason)])) for reason in ReasonCategory]


def intervention_rows(evaluation: Evaluation) -> list[tuple[str, int, int]]:
    """The most important intervention for the return: as employees, as case managers."""
    return [(code, by_employee, by_manager)
            for code, (by_employee, by_manager) in evaluation.interventions.items()]


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_files(evaluation: Evaluation) -> dict[str, str]:
    """The four CSV files, by name."""
    return {
        "kpis.csv": _csv(["measure", "value"],
                         [(name, cell(value)) for name, value, _ in measure_rows(evaluation)]),
        "outcomes.csv": _csv(["outcome", "cases"], outcome_rows(evaluation)),
        "referrals.csv": _csv(["route", "source", "reason_category", "cases"],
                              referral_rows(evaluation)),
        "interventions.csv": _csv(["intervention", "by_employee", "by_case_manager"],
                                  intervention_rows(evaluation)),
    }
