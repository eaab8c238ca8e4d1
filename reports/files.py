"""The report's files, and writing them into a folder all together or not at all."""

from __future__ import annotations

import os
from pathlib import Path

from reports.charts import all_charts
from reports.evaluation import KpiReport
from reports.page import Provenance, render_page
from reports.tables import csv_files

REPORT_FILES = ("report.html", "kpis.csv", "outcomes.csv", "referrals.csv",
                "interventions.csv")


def report_files(report: KpiReport, provenance: Provenance) -> dict[str, str]:
    """Every file of the report by name: the page, the four tables, and each chart alone
    (`<name>.svg`, for slides and documents)."""
    charts = all_charts(report.evaluation)
    files = {"report.html": render_page(report.evaluation, provenance, charts)}
    files.update(csv_files(report.evaluation))
    files.update({f"{chart.name}.svg": chart.svg for chart in charts})
    return files


def folder_problem(folder: Path) -> str | None:
    """Why the report cannot be written into `folder` (which may not exist yet), or None."""
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return (f"{folder} is not writable" if existing == folder
                else f"{folder} cannot be created in {existing}")
    return None


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write every file, or none: each goes to a temporary name first, and only once all are
    written do they take their names."""
    folder.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[Path, Path]] = []
    try:
        for name, text in files.items():
            target = folder / name
            temporary = folder / f".{name}.partial"
            pending.append((temporary, target))
            temporary.write_text(text, encoding="utf-8", newline="")
    except OSError:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in pending:
        os.replace(temporary, target)
    return [target for _, target in pending]
