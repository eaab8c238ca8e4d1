"""The report's files from an evaluation: the CSV tables, the charts and the one page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from domain.kpis import MEASURES, CaseFacts, Evaluation, Period, evaluate
from domain.stages import ReasonCategory
from domain.vocabulary import Intervention, Outcome, Route
from readside.kpi_query import ProjectedTo
from reports.charts import all_charts
from reports.evaluation import KpiReport, choose_period
from reports.files import folder_problem, report_files, write_files
from reports.page import Provenance, render_page
from reports.tables import cell, csv_files

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
PROVENANCE = Provenance(position=40, recorded=42, quarantined=1,
                        generated_at=datetime(2026, 12, 1, 9, tzinfo=UTC))


def facts(number: int, *, outcome: Outcome | None = None, closed: int | None = None,
          route: Route = Route.RETURN_TO_WORK,
          reason: ReasonCategory = ReasonCategory.MENTAL_HEALTH, **extra: object) -> CaseFacts:
    opened = date(2026, 11, 2) + timedelta(days=number)
    returning = outcome in (Outcome.RETURNED_TO_OWN_ROLE, Outcome.RETURNED_WITH_ADJUSTMENTS)
    return CaseFacts.model_validate({
        "case_id": f"case-{number}", "employer_id": "acme-trust", "route": route,
        "source": "hr_notification" if route is Route.RETURN_TO_WORK else "self",
        "reason_category": reason, "policy_version": "default-2026-04", "opened_on": opened,
        "first_day": opened if route is Route.RETURN_TO_WORK else None,
        "first_contact_on": opened + timedelta(days=number % 3), "contact_met": number % 3 < 2,
        "closed_on": opened + timedelta(days=closed) if closed is not None else None,
        "outcome": outcome, "returned_on": opened + timedelta(days=closed or 0)
        if returning else None,
        "intervention_by_employee": Intervention.MSK_TREATMENT if returning else None,
        "intervention_by_case_manager": Intervention.PERSONAL_SUPPORT_CONFIDENCE
        if returning else None, **extra,
    })


def november() -> Evaluation:
    cases = [
        facts(0, outcome=Outcome.RETURNED_TO_OWN_ROLE, closed=10),
        facts(1, outcome=Outcome.RETURNED_WITH_ADJUSTMENTS, closed=14,
              reason=ReasonCategory.MUSCULOSKELETAL),
        facts(2, outcome=Outcome.LEFT_EMPLOYMENT, closed=20),
        facts(3, route=Route.STAY_AT_WORK, reason=ReasonCategory.MUSCULOSKELETAL),
        facts(4, escalated_on=(date(2026, 11, 9),)),
    ]
    return evaluate(cases, NOVEMBER)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_kpis_csv_holds_every_measure_in_order_rates_as_decimals_and_blanks_for_none(
) -> None:
    kpis = rows(csv_files(november())["kpis.csv"])

    assert [r["measure"] for r in kpis] == [m.name for m in MEASURES]
    by_name = {r["measure"]: r["value"] for r in kpis}
    assert by_name["referrals"] == "5" and by_name["cases_closed"] == "3"
    assert by_name["returned_to_work_rate"] == "0.6667"
    assert by_name["median_days_absent"] == "14.0"
    assert by_name["sustained_return_rate"] == ""  # no follow-up in November
    assert by_name["escalations"] == "1"


def test_the_tables_list_every_outcome_and_intervention_and_the_referrals_that_occur(
) -> None:
    files = csv_files(november())

    outcomes = {r["outcome"]: int(r["cases"]) for r in rows(files["outcomes.csv"])}
    assert list(outcomes) == [o.value for o in Outcome]
    assert outcomes["returned_to_own_role"] == 1 and outcomes["withdrawn"] == 0
    assert rows(files["referrals.csv"]) == [
        {"route": "return_to_work", "source": "hr_notification",
         "reason_category": "mental_health", "cases": "3"},
        {"route": "return_to_work", "source": "hr_notification",
         "reason_category": "musculoskeletal", "cases": "1"},
        {"route": "stay_at_work", "source": "self", "reason_category": "musculoskeletal",
         "cases": "1"},
    ]
    interventions = rows(files["interventions.csv"])
    assert [r["intervention"] for r in interventions] == [i.value for i in Intervention]
    assert interventions[0] == {"intervention": "msk_treatment", "by_employee": "2",
                                "by_case_manager": "0"}


def test_a_cell_is_a_whole_number_a_decimal_or_empty() -> None:
    assert [cell(3), cell(0.75), cell(4.0), cell(None)] == ["3", "0.75", "4.0", ""]


class Page(HTMLParser):
    """What a browser would fetch, and the text a reader sees."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("src", "href", "xlink:href") and value and not value.startswith("#"):
                self.fetched.append(value)
        if tag in ("link", "script", "img", "iframe", "object", "embed"):
            self.fetched.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_is_self_contained_and_shows_every_measure_with_its_definition() -> None:
    page = render_page(november(), PROVENANCE)
    parsed = Page(page)
    text = " ".join(" ".join(parsed.text).split())

    assert "http" not in page and parsed.fetched == []
    assert "@media print" in page
    for measure in MEASURES:
        assert measure.name in text and measure.definition in text
    assert "1 November 2026 to 30 November 2026" in text and "All employers" in text
    assert "default-2026-04" in text
    assert "1 case(s) could not be projected" in text


def test_each_chart_is_a_described_figure_with_its_table_beside_it() -> None:
    page = render_page(november(), PROVENANCE)
    tags = Page(page).tags

    tables = [a for t, a in tags if t == "table"]
    assert len(tables) == page.count("<caption>") == 6  # measures, four charts, sources
    assert {a.get("scope") for t, a in tags if t == "th"} == {"col", "row"}
    svgs = [a for t, a in tags if t == "svg"]
    assert len(svgs) == 4 == page.count("<figcaption")
    assert all(a["role"] == "img" and a["aria-label"] for a in svgs)
    assert "Employees 2, case managers" not in page  # labels, not sentences built wrong
    ids = [a["id"] for _, a in tags if a.get("id")]
    assert len(ids) == len(set(ids))  # four charts on one page share no id


def test_chart_text_stays_text_and_the_same_figures_draw_the_same_bytes() -> None:
    charts = all_charts(november())
    again = all_charts(november())

    assert [c.svg for c in charts] == [c.svg for c in again]
    interventions = next(c for c in charts if c.name == "interventions")
    assert "<text" in interventions.svg and "Case manager" in interventions.svg
    assert not re.search(r'<path id="DejaVu', interventions.svg)  # no glyphs as outlines
    assert interventions.svg.startswith("<?xml") and "<title>" in interventions.svg


def test_an_empty_period_draws_charts_that_say_so() -> None:
    empty = evaluate([], NOVEMBER)
    page = render_page(empty, PROVENANCE)

    assert "No cases closed in the period" in page
    assert "no value (nothing to measure)" in page


def test_the_files_are_written_all_together(tmp_path: Path) -> None:
    report = KpiReport(evaluation=november(), projected=ProjectedTo(42, 42), quarantined=0)
    files = report_files(report, PROVENANCE)

    written = write_files(tmp_path / "out", files)

    assert sorted(p.name for p in written) == sorted(files) == [
        "interventions.csv", "interventions.svg", "kpis.csv", "outcomes.csv", "outcomes.svg",
        "referrals.csv", "referrals.svg", "report.html", "time.svg"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(files)


def test_a_folder_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")

    assert folder_problem(tmp_path / "new" / "deeper") is None
    assert folder_problem(a_file / "out") == f"{a_file} is not a folder"
    assert folder_problem(a_file) == f"{a_file} is not a folder"


def test_an_end_left_open_is_the_first_or_last_day_recorded() -> None:
    recorded = Period(date(2026, 11, 2), date(2027, 2, 8))
    today = date(2027, 3, 1)

    assert choose_period(None, None, recorded, today=today) == recorded
    assert choose_period(date(2027, 1, 1), None, recorded, today=today) == Period(
        date(2027, 1, 1), date(2027, 2, 8))
    assert choose_period(date(2027, 3, 1), None, recorded, today=today) == Period(
        date(2027, 3, 1), date(2027, 3, 1))
    assert choose_period(None, None, None, today=today) == Period(today, today)
    with pytest.raises(ValueError, match=r"'from' .* must be on or before 'to'"):
        choose_period(date(2027, 2, 1), date(2027, 1, 1), recorded, today=today)
