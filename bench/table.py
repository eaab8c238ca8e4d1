"""Every performance target in one table: each row a ratio against a baseline run beside it.

    python -m bench.table            # the default sizes (about 10 minutes)
    python -m bench.table --quick    # smaller sizes (about 3 minutes): a smoke run, noisier
    python -m bench.table --only P2,P3

Each benchmark starts what it needs on free ports and removes it afterwards (see the modules:
bench.journey, bench.notifications, bench.replay, bench.append, bench.open_cases,
bench.burst, bench.web_worklist). The machines are shared and noisy: compare ratios, not
absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from bench import append, burst, journey, notifications, open_cases, replay, web_worklist


@dataclass
class Row:
    id: str
    what: str
    baseline: str
    measured: str
    target: str
    met: bool | None  # None: not measured
    note: str = ""


@dataclass
class Sizes:
    journey_cases: int
    journey_rounds: int
    notify_count: int
    notify_rounds: int
    append_count: int
    open_cases: int
    burst_cases: int
    page_cases: int = 10_000
    page_repeats: int = 100


DEFAULT = Sizes(journey_cases=30, journey_rounds=2, notify_count=200, notify_rounds=2,
                append_count=300, open_cases=2000, burst_cases=1000)
QUICK = Sizes(journey_cases=15, journey_rounds=1, notify_count=100, notify_rounds=1,
              append_count=150, open_cases=500, burst_cases=300, page_cases=2000,
              page_repeats=30)

BURST_WAIT_SECONDS = 5.0


def p1(sizes: Sizes) -> Row:
    figures = asyncio.run(journey.measure(sizes.journey_cases, 10, sizes.journey_rounds))
    ratio = figures.ratio
    return Row("P1", "whole case over HTTP (1 start + 9 actions)",
               f"bare workflow, 9 updates: {figures.bare_rate:.1f}/s",
               f"{ratio:.2f}x ({figures.journey_rate:.1f}/s)", ">= 0.7x", ratio >= 0.7,
               "" if ratio >= 0.7 else "CPU-bound: the server's CPU per case alone is over budget")


def p5(sizes: Sizes) -> Row:
    figures = asyncio.run(notifications.measure(sizes.notify_count, 20, sizes.notify_rounds))
    ratio = figures.ratio
    base = statistics.median(r.rate for r in figures.baseline)
    return Row("P5", "POST /v1/absences", f"bare start_workflow: {base:.0f}/s",
               f"{ratio:.2f}x", ">= 0.8x", ratio >= 0.8,
               "" if ratio >= 0.8 else "each start also runs the case's first task on the 2 cores")


def p3(sizes: Sizes) -> Row:
    ratio = replay.replay_ratio(500)
    return Row("P3", "replay of 500 events (read, decrypt, decode, fold)",
               "raw asyncpg fetch of the rows",
               f"{ratio:.1f}x", "<= 5x", ratio <= 5,
               "" if ratio <= 5 else "decrypt and decode of every event, no snapshot")


def p2(sizes: Sizes) -> Row:
    figures = append.run(sizes.append_count, 3)
    ratio = figures.ratio
    return Row("P2", "one decision's append (1 event)",
               f"raw one-row INSERT: {figures.insert_rate:.0f}/s",
               f"{ratio:.2f}x ({figures.append_rate:.0f}/s)", ">= 0.45x", ratio >= 0.45,
               "" if ratio >= 0.45 else "about 8 statements in 4 transactions per append")


def p4(sizes: Sizes) -> Row:
    figures = asyncio.run(open_cases.measure(sizes.open_cases, 20))
    rss = figures.rss / open_cases.MIB
    late = figures.p95_late
    met = rss <= 512 and late <= 2.0
    missed = [part for part, ok in (("memory", rss <= 512), ("timers", late <= 2.0)) if not ok]
    return Row("P4", f"{sizes.open_cases:,} open cases on timers",
               f"worker idle: {figures.idle_rss / open_cases.MIB:.0f} MiB",
               f"RSS {rss:.0f} MiB; timers p95 {late:.2f} s late",
               "<= 512 MiB; <= 2 s", met,
               (f"missed: {', '.join(missed)}; " if missed else "")
               + "late: from due (or notified) to the reminder in the outbox")


def p7(sizes: Sizes) -> Row:
    figures = asyncio.run(burst.measure(sizes.burst_cases, BURST_WAIT_SECONDS))
    accepted = figures.statuses.get(202, 0)
    return Row("P7", f"burst: {sizes.burst_cases:,} actions at once",
               f"one at a time: {figures.quiet * 1e3:.0f} ms",
               f"p95 {figures.p95:.2f} s; max {figures.slowest:.2f} s",
               f"none past the {BURST_WAIT_SECONDS:g} s wait", figures.within_bound,
               f"{accepted} answered 202; the wait starts once the API takes the request")


def p8(sizes: Sizes) -> Row:
    figures = asyncio.run(web_worklist.measure(sizes.page_cases, sizes.page_repeats))
    ratio = figures.ratio
    return Row("P8", f"worklist page at {sizes.page_cases:,} cases (OH, 50 a page)",
               "GET /v1/cases, same filters and page size",
               f"{ratio:.2f}x (worst of {len(figures.rows)} queries)",
               f"<= {web_worklist.TARGET:g}x", ratio <= web_worklist.TARGET,
               "" if ratio <= web_worklist.TARGET
               else "the session check and the NHS.UK layout come on top of the same query")


ROWS: dict[str, Callable[[Sizes], Row]] = {
    "P1": p1, "P5": p5, "P3": p3, "P2": p2, "P4": p4, "P7": p7, "P8": p8,
}
HEADINGS = ("id", "what", "baseline", "measured", "target", "met", "note")


def render(rows: list[Row]) -> str:
    cells = [HEADINGS] + [
        (row.id, row.what, row.baseline, row.measured, row.target,
         "not run" if row.met is None else ("met" if row.met else "not met"), row.note)
        for row in rows
    ]
    lines = ["| " + " | ".join(cell) + " |" for cell in cells]
    lines.insert(1, "|" + "---|" * len(HEADINGS))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.table")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 3 minutes)")
    parser.add_argument("--only", default=",".join(ROWS), help="rows to run, e.g. P2,P3")
    args = parser.parse_args()
    sizes = QUICK if args.quick else DEFAULT
    rows: list[Row] = []
    for row_id in args.only.split(","):
        started = time.perf_counter()
        print(f"{row_id} ...", flush=True)
        try:
            rows.append(ROWS[row_id](sizes))
        except Exception as error:  # one failed row must not hide the others
            traceback.print_exc()
            rows.append(Row(row_id, "", "", "failed", "", None, str(error)[:80]))
        print(f"{row_id} done in {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print(render(rows))


if __name__ == "__main__":
    main()
