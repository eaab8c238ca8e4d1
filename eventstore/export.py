"""Exports of the store for auditors, a page at a time: memory stays flat for any size."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Literal

from domain.disclosure import WITHHELD, event_for_audit
from eventstore.moments import LONDON, within_calendar
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore
from eventstore.view import COLUMNS, EventView

PAGE_SIZE = 500
ExportFormat = Literal["jsonl", "csv"]


@dataclass(frozen=True)
class ExportWindow:
    """Events recorded from the start of `first` to the end of `last` (London dates)."""

    first: date
    last: date

    def __post_init__(self) -> None:
        within_calendar(self.first)
        within_calendar(self.last)
        if self.first > self.last:
            raise ValueError("'from' must be on or before 'to'")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=LONDON)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=LONDON)

    def __contains__(self, record: CaseEventRecord) -> bool:
        """Whether the event was recorded within the window."""
        return self.start <= record.recorded_at < self.end


def export_pages(
    store: CaseEventStore, *, case_id: str | None = None, window: ExportWindow | None = None
) -> Iterator[list[CaseEventRecord]]:
    """One case's events, or every event recorded in the window (all events without either),
    in pages, following the notification log in commit order."""
    if case_id is not None:
        records = store.history(case_id)
        if window is not None:
            records = [record for record in records if record in window]
        yield records
        return
    after = 0
    while True:
        notifications = store.recorder.select_notifications(
            start=after, limit=PAGE_SIZE, inclusive_of_start=False
        )
        if not notifications:
            return
        after = notifications[-1].id
        page = [
            record
            for record in map(store.mapper.to_domain_event, notifications)
            if isinstance(record, CaseEventRecord)
            and (window is None or record in window)
        ]
        if page:
            yield page


def render(records: Iterable[CaseEventRecord], output_format: ExportFormat,
           *, header: bool) -> str:
    """A page as text: one JSON object per line, or CSV rows (with the header if asked); each
    event as `EventView` reads it, its data upcast to today's shape."""
    return render_views((EventView.read(record) for record in records), output_format,
                        header=header)


def render_views(views: Iterable[EventView], output_format: ExportFormat,
                 *, header: bool) -> str:
    """Events already read (`EventView`) as text, as `render` writes them."""
    rows = (view.as_json() for view in views)
    if output_format == "jsonl":
        return "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({**row, "data": json.dumps(row["data"], sort_keys=True)})
    return buffer.getvalue()


def export_text(
    store: CaseEventStore, output_format: ExportFormat, *, case_id: str | None = None,
    window: ExportWindow | None = None,
) -> Iterator[str]:
    """The export as chunks of text, one per page; CSV starts with its header."""
    if output_format == "csv":
        yield render([], "csv", header=True)
    for page in export_pages(store, case_id=case_id, window=window):
        yield render(page, output_format, header=False)


ERASURE_MARKS = ({"erased": True}, {"unreadable": True})


def audited_view(view: EventView, *, clinical: bool) -> tuple[EventView, tuple[str, ...]]:
    """The event as an audit reads it (`domain.disclosure.event_for_audit`), and the names of
    what it withholds: whole when `clinical`, otherwise with the clinical reason and fields
    replaced by `WITHHELD`. An erased or unreadable event keeps its mark (there is nothing
    left in it to withhold), its reason withheld by the same rule."""
    data = {} if view.data in ERASURE_MARKS else view.data
    audited = event_for_audit(view.type, data, view.reason, clinical=clinical)
    if not audited.withheld:
        return view, ()
    if view.data in ERASURE_MARKS:
        return replace(view, reason=audited.reason), audited.withheld
    deadline = audited.data.get("deadline")
    return replace(view, data=audited.data, reason=audited.reason,
                   deadline=deadline if isinstance(deadline, str) and deadline != WITHHELD
                   else None), audited.withheld


def audited_text(
    store: CaseEventStore, output_format: ExportFormat, *, clinical: bool,
    case_id: str | None = None, window: ExportWindow | None = None,
) -> Iterator[str]:
    """The export as an audit reads it, a page at a time (CSV starts with its header): each
    event as `audited_view` shows it, clinical content withheld unless `clinical`."""
    if output_format == "csv":
        yield render([], "csv", header=True)
    for page in export_pages(store, case_id=case_id, window=window):
        views = (audited_view(EventView.read(record), clinical=clinical)[0] for record in page)
        yield render_views(views, output_format, header=False)
