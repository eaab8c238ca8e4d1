"""The report's charts: SVG drawn by matplotlib, text kept as text, each with a title and a
description a screen reader can read (its data table sits beside it on the page).

Each chart is its own `matplotlib.figure.Figure` (no pyplot, so nothing is shared between
calls), drawn inside an `rc_context` so no setting leaks out either. The same data always gives
the same bytes: no date in the file, and ids made from the chart's name.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from domain.kpis import Evaluation
from reports.tables import (
    TIME_MEASURES,
    intervention_rows,
    label,
    outcome_rows,
    reason_route_rows,
)

matplotlib.use("Agg")  # never a window, whatever else imports pyplot

# NHS blue, and a vermilion told apart from it by colour-blind readers (Okabe-Ito); the second
# series is hatched too, so the pair reads on a black-and-white print.
BLUE = "#005EB8"
VERMILION = "#D55E00"
GREY = "#425563"
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable, read aloud
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": GREY,
    "xtick.color": "#212B32",
    "ytick.color": "#212B32",
    "hatch.color": "#ffffff",
    "hatch.linewidth": 1.2,
}


def _style(name: str) -> dict[Any, Any]:
    """The house style, with SVG ids salted by the chart's name."""
    return {**STYLE, "svg.hashsalt": name}


_NO_METADATA = {"Format": None, "Type": None, "Creator": None, "Date": None}


@dataclass(frozen=True)
class Chart:
    """One chart: `svg` is a standalone file; `inline()` the same drawing for an HTML page."""

    name: str
    title: str
    description: str
    svg: str

    def inline(self) -> str:
        """The SVG without its XML prologue and namespaces (HTML knows them), its ids
        prefixed by the chart's name so that several charts share a page, with `role="img"`
        and the description as its accessible name."""
        body = self.svg[self.svg.index("<svg"):]
        body = re.sub(r' xmlns(:xlink)?="[^"]*"', "", body, count=2)
        body = re.sub(r'\bid="([^"]+)"', rf'id="{self.name}-\1"', body)
        body = re.sub(r"url\(#([^)]+)\)", rf"url(#{self.name}-\1)", body)
        body = re.sub(r'href="#([^"]+)"', rf'href="#{self.name}-\1"', body)
        return body.replace(
            "<svg ", f'<svg role="img" aria-label="{escape(self.description)}" ', 1)


def _draw(name: str, title: str, description: str, figure: Figure) -> Chart:
    buffer = io.StringIO()
    with matplotlib.rc_context(_style(name)):  # the SVG settings apply as it is written
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    svg = buffer.getvalue().replace(
        "<defs>", f"<title>{escape(title)}</title>\n <desc>{escape(description)}</desc>\n <defs>",
        1)
    return Chart(name=name, title=title, description=description, svg=svg)


def _figure(bars: int) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(8.0, 1.3 + 0.42 * max(bars, 2) if bars else 1.6),
                    layout="constrained")
    return figure, figure.add_subplot()


def _title(figure: Figure, title: str) -> None:
    """The title over the whole figure, from its left edge (labels can be long)."""
    figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")


def _wrapped(text: str) -> str:
    return textwrap.fill(text, width=34)


def _nothing(axes: Axes, what: str) -> None:
    axes.text(0.5, 0.5, f"No {what} in the period", ha="center", va="center",
              transform=axes.transAxes, color=GREY)
    axes.set_axis_off()


def _bars(name: str, title: str, what: str, axis: str, unit: str,
          rows: Sequence[tuple[str, float]]) -> Chart:
    """Horizontal bars, one per row (first at the top), each labelled with its value."""
    with matplotlib.rc_context(_style(name)):
        figure, axes = _figure(len(rows))
        if not rows:
            _nothing(axes, what)
        else:
            labels = [_wrapped(r[0]) for r in rows][::-1]
            values = [r[1] for r in rows][::-1]
            drawn = axes.barh(labels, values, color=BLUE, height=0.6)
            axes.bar_label(drawn, labels=[_number(v) for v in values], padding=3)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlabel(axis)
            axes.margins(x=0.12)
        _title(figure, title)
        listed = "; ".join(f"{r[0]}: {_number(r[1])} {unit}" for r in rows) or f"no {what}"
        return _draw(name, title, f"Bar chart. {title}: {listed}.", figure)


def _number(value: float) -> str:
    return f"{value:g}"


def outcomes_chart(evaluation: Evaluation) -> Chart:
    """Cases closed, a bar for each outcome that occurred."""
    rows = [(label(outcome), float(cases)) for outcome, cases in outcome_rows(evaluation)
            if cases]
    return _bars("outcomes", "Cases closed by outcome", "cases closed", "cases", "cases", rows)


def referrals_chart(evaluation: Evaluation) -> Chart:
    """Cases opened, by reason category, a bar for each route."""
    name, title = "referrals", "Referrals by reason category and route"
    table = reason_route_rows(evaluation)
    routes = ["return_to_work", "stay_at_work"]
    with matplotlib.rc_context(_style(name)):
        drawn = any(sum(counts) for _, counts in table)
        figure, axes = _figure(2 * len(table) if drawn else 0)
        if not drawn:
            _nothing(axes, "referrals")
        else:
            _paired(axes, [label(reason) for reason, _ in table],
                    [[counts[0] for _, counts in table], [counts[1] for _, counts in table]],
                    [label(route) for route in routes], str)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_xlabel("cases opened")
        _title(figure, title)
    listed = "; ".join(
        f"{label(reason)}: {counts[0]} {label(routes[0]).lower()}, "
        f"{counts[1]} {label(routes[1]).lower()}" for reason, counts in table)
    return _draw(name, title, f"Paired bar chart. {title} (cases opened): "
                 f"{listed or 'no referrals'}.", figure)


def interventions_chart(evaluation: Evaluation) -> Chart:
    """The most important intervention, as employees and as case managers answered: each
    side's answers as shares of its own answers, side by side (seed 003's table)."""
    name = "interventions"
    title = "Most important intervention: employees and case managers"
    table = intervention_rows(evaluation)
    counts = ([row[1] for row in table], [row[2] for row in table])
    answered = (sum(counts[0]), sum(counts[1]))
    shares = [[100 * count / answered[side] if answered[side] else 0.0
               for count in counts[side]] for side in (0, 1)]
    with matplotlib.rc_context(_style(name)):
        figure, axes = _figure(2 * len(table) if any(answered) else 0)
        if not any(answered):
            _nothing(axes, "answers")
        else:
            _paired(axes, [label(row[0]) for row in table], shares,
                    ["Employee", "Case manager"], lambda v: f"{v:.0f}%")
            axes.set_xlabel("share of each side's answers (%)")
        _title(figure, title)
    listed = "; ".join(f"{label(row[0])}: employees {shares[0][n]:.0f}%, case managers "
                       f"{shares[1][n]:.0f}%" for n, row in enumerate(table))
    return _draw(name, title, f"Paired bar chart. {title}, as shares of {answered[0]} "
                 f"employee and {answered[1]} case manager answers: {listed}.", figure)


def time_chart(evaluation: Evaluation) -> Chart:
    """The medians of time, in days; a measure with no value is left out of the bars."""
    rows = [(label(name).replace("Median days", "Days"), float(value))
            for name, value in ((n, evaluation.measures.get(n)) for n in TIME_MEASURES)
            if value is not None]
    return _bars("time", "Median days: contact, assessment, absence, therapy", "times",
                 "days (median)", "days", rows)


def _paired(axes: Axes, labels: list[str], series: Sequence[Sequence[float]],
            names: list[str], shown: Callable[[float], str]) -> None:
    """Two horizontal bars per label (first label at the top), the second hatched."""
    count = len(labels)
    height = 0.38
    positions = [float(count - 1 - n) for n in range(count)]
    for side, (values, colour, hatch) in enumerate(
            zip(series, (BLUE, VERMILION), ("", "///"), strict=True)):
        offset = height / 2 if side == 0 else -height / 2
        drawn = axes.barh([p + offset for p in positions], values, height=height,
                          color=colour, hatch=hatch, label=names[side])
        axes.bar_label(drawn, labels=[shown(v) for v in values], padding=3, fontsize=9)
    axes.set_yticks(positions, [_wrapped(text) for text in labels])
    axes.margins(x=0.15)
    axes.figure.legend(loc="outside lower center", ncols=2, frameon=False)


def all_charts(evaluation: Evaluation) -> list[Chart]:
    """Every chart of the report, in the page's order."""
    return [outcomes_chart(evaluation), referrals_chart(evaluation),
            interventions_chart(evaluation), time_chart(evaluation)]
