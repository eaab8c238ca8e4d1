"""The report as one self-contained HTML page: inline CSS, inline SVG, nothing fetched.

Each chart is a `<figure>` with its caption, and beside it the table of the same figures (the
accessible alternative: a screen reader reads the table, a printout keeps it). Every measure is
shown with its exact definition, from `domain.kpis.MEASURES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from jinja2 import Environment
from markupsafe import Markup

from domain.kpis import Evaluation
from reports.charts import Chart, all_charts
from reports.tables import (
    intervention_rows,
    label,
    measure_rows,
    outcome_rows,
    reason_route_rows,
    referral_rows,
    shown,
)


@dataclass(frozen=True)
class Provenance:
    """Where the figures come from: how far the projection had got, what it set aside, and
    when the page was written."""

    position: int
    recorded: int
    quarantined: int
    generated_at: datetime


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


_CSS = """
:root { color-scheme: light; }
body { font-family: Arial, Helvetica, "Liberation Sans", sans-serif; color: #212b32;
       background: #fff; margin: 0 auto; max-width: 72rem; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.9rem; margin: 0 0 .75rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .75rem; border-bottom: 2px solid #005eb8;
     padding-bottom: .25rem; }
dl.about { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem;
           margin: 0; }
dl.about dt { font-weight: bold; }
dl.about dd { margin: 0; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem;
        align-items: start; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #4c6272; margin-top: .25rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: bold; padding-bottom: .4rem; }
th, td { border-bottom: 1px solid #d8dde0; padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
thead th { border-bottom: 2px solid #212b32; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: "Courier New", monospace; font-size: .9em; }
.note { background: #fff9c4; border-left: 6px solid #ffb81c; padding: .5rem 1rem; }
footer { margin-top: 2.5rem; font-size: .85rem; color: #4c6272; }
@media (max-width: 50rem) { .pair { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  section, .pair, figure, table, tr { break-inside: avoid; }
  .pair { grid-template-columns: 1fr; gap: .5rem; }
  figure svg { max-height: 110mm; }
  .note { border-left-color: #000; background: none; }
}
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation of the service: {{ period }}{{ ' — ' ~ employer if employer_id else '' }}</title>
<style>{{ css }}</style>
</head>
<body>
<header>
<h1>Evaluation of the service</h1>
<dl class="about">
<dt>Period</dt><dd>{{ period }} (London dates, both included)</dd>
<dt>Employer</dt><dd>{{ employer }}</dd>
<dt>Policy versions in force</dt><dd>{{ policy_versions }}</dd>
<dt>Cases</dt><dd>{{ cases }} with a milestone in the period (opened, closed, followed up
or escalated)</dd>
<dt>Source</dt><dd>The event store, as projected into the KPI facts up to notification
{{ provenance.position }} of {{ provenance.recorded }}; written
{{ provenance.generated_at.isoformat(timespec='seconds') }}</dd>
</dl>
{% if provenance.quarantined %}
<p class="note">{{ provenance.quarantined }} case(s) could not be projected and are not in these
figures: <code>rtw audit quarantine</code> lists them.</p>
{% endif %}
</header>
<main>
<section aria-labelledby="measures">
<h2 id="measures">Measures</h2>
<table>
<caption>Every measure of the period, with its exact definition</caption>
<thead><tr><th scope="col">Measure</th><th scope="col" class="number">Value</th>
<th scope="col">Definition</th></tr></thead>
<tbody>
{% for name, value, definition in measures %}
<tr><th scope="row"><code>{{ name }}</code></th><td class="number">{{ shown(name, value) }}</td>
<td>{{ definition }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% for section in sections %}
<section aria-labelledby="{{ section.chart.name }}-heading">
<h2 id="{{ section.chart.name }}-heading">{{ section.heading }}</h2>
<div class="pair">
<figure aria-labelledby="{{ section.chart.name }}-caption">
{{ section.svg }}
<figcaption id="{{ section.chart.name }}-caption">{{ section.chart.title }}. {{ section.caption }}
The table beside it holds the same figures.</figcaption>
</figure>
<table id="{{ section.chart.name }}-table">
<caption>{{ section.table_caption }}</caption>
<thead><tr>{% for column in section.columns %}<th scope="col"{% if not loop.first %}
class="number"{% endif %}>{{ column }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in section.rows %}
<tr><th scope="row">{{ row[0] }}</th>{% for value in row[1:] %}
<td class="number">{{ value }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
</div>
{% if section.more %}{{ section.more }}{% endif %}
</section>
{% endfor %}
</main>
<footer>
<p>Written by <code>rtw report</code>. Each figure can be recomputed from
<code>rtw audit export</code>; the definitions above are the ones the API and the CSV files
use.</p>
</footer>
</body>
</html>
"""

_ENVIRONMENT = Environment(autoescape=True, keep_trailing_newline=True)
_PAGE = _ENVIRONMENT.from_string(_TEMPLATE)


@dataclass(frozen=True)
class _Section:
    heading: str
    chart: Chart
    svg: Markup
    caption: str
    table_caption: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    more: Markup | None = None


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "no answers"


def _sections(evaluation: Evaluation, charts: dict[str, Chart]) -> list[_Section]:
    outcomes = outcome_rows(evaluation)
    interventions = intervention_rows(evaluation)
    employees = sum(row[1] for row in interventions)
    managers = sum(row[2] for row in interventions)
    referrals = referral_rows(evaluation)
    by_source = _ENVIRONMENT.from_string(
        "<table><caption>Referrals by route, source and reason category</caption><thead><tr>"
        '<th scope="col">Route</th><th scope="col">Source</th>'
        '<th scope="col">Reason category</th><th scope="col" class="number">Cases</th>'
        "</tr></thead><tbody>{% for route, source, reason, cases in rows %}<tr>"
        '<th scope="row">{{ label(route) }}</th><td>{{ label(source) }}</td>'
        '<td>{{ label(reason) }}</td><td class="number">{{ cases }}</td></tr>'
        "{% endfor %}</tbody></table>").render(rows=referrals, label=label)
    times = [(label(name), shown(name, value)) for name, value, _ in measure_rows(evaluation)
             if name.startswith("median_days")]

    def inline(name: str) -> Markup:
        return Markup(charts[name].inline())  # noqa: S704 - matplotlib's SVG of our own figures

    return [
        _Section("Outcomes", charts["outcomes"], inline("outcomes"),
                 "Cases closed in the period, by outcome.", "Cases closed by outcome",
                 ("Outcome", "Cases"), [(label(o), n) for o, n in outcomes]),
        _Section("Referrals", charts["referrals"], inline("referrals"),
                 "Cases opened in the period, by reason category, for each route.",
                 "Referrals by reason category and route",
                 ("Reason category", "Return to work", "Stay at work"),
                 [(label(reason), rtw, saw) for reason, (rtw, saw)
                  in reason_route_rows(evaluation)],
                 Markup(by_source) if referrals else None),  # noqa: S704 - rendered with autoescape
        _Section("The most important intervention", charts["interventions"],
                 inline("interventions"),
                 "Recorded at closure by the employee and by the case manager, each as a share "
                 "of that side's answers.",
                 "Most important intervention for the return, as employees and as case "
                 "managers answered",
                 ("Intervention", "Employees", "Employees (share)", "Case managers",
                  "Case managers (share)"),
                 [(label(code), e, _percent(e, employees), m, _percent(m, managers))
                  for code, e, m in interventions]),
        _Section("Time", charts["time"], inline("time"),
                 "Medians in calendar days; a measure with nothing to measure has no bar.",
                 "Median days", ("Measure", "Median"), [*times]),
    ]


def render_page(evaluation: Evaluation, provenance: Provenance,
                charts: list[Chart] | None = None) -> str:
    """The whole page, for one evaluation (charts drawn here unless given)."""
    drawn = {chart.name: chart for chart in (charts or all_charts(evaluation))}
    period = evaluation.period
    span = (long_date(period.start) if period.start == period.end
            else f"{long_date(period.start)} to {long_date(period.end)}")
    return _PAGE.render(
        css=Markup(_CSS),  # noqa: S704 - our own constant
        period=span, employer_id=evaluation.employer_id,
        employer=evaluation.employer_id or "All employers",
        policy_versions=", ".join(evaluation.policy_versions) or "none (no case opened or "
        "closed in the period)",
        cases=evaluation.cases, provenance=provenance, measures=measure_rows(evaluation),
        shown=shown, sections=_sections(evaluation, drawn),
    )
