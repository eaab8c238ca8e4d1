"""Prometheus metrics of an rtw process: rtw's own counters, the Temporal SDK's metrics and the
read side's figures, rendered together on one scrape.

Every label comes from a closed vocabulary (stage, route, outcome, kind, action, role, result):
a value outside it is counted as "other". No case, employee or manager id is ever a label, so a
metric can be read by anyone who runs the engine without seeing whose case it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import typing
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from temporalio.runtime import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_GAUGE,
    MetricBuffer,
    MetricBufferDurationFormat,
    Runtime,
    TelemetryConfig,
)

from domain.actors import Role
from domain.events import (
    AnyCaseEvent,
    CaseClosed,
    CaseEscalated,
    CaseEvent,
    CaseOpened,
    CommunityReferralReceived,
    ManagerRemindedOfContact,
    MissedContactEscalated,
    OhReferralMade,
    ReferralReceived,
    ReminderSent,
    RiskFlagRaised,
)
from domain.journey.base import DeadlineKind
from domain.stages import Action, Stage
from domain.vocabulary import Outcome, Route

__all__ = [
    "CONTENT_TYPE", "REGISTRY", "ReadSideFigures", "count_appended", "count_notice",
    "count_quarantine", "count_webhook_attempt", "install_temporal_metrics",
    "observe_update_latency", "render", "serve",
]

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER = "other"

# One registry per process, with the standard process, platform and GC collectors.
# The *_created series only add noise to every scrape.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)
for _standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_standard)

# The closed vocabularies labels may take.
_ROUTES = frozenset(r.value for r in Route)
_STAGES = frozenset(s.value for s in Stage)
_OUTCOMES = frozenset(o.value for o in Outcome)
_ACTIONS = frozenset(a.value for a in Action)
_ROLES = frozenset(r.value for r in Role)
_DEADLINE_KINDS = frozenset(k.value for k in DeadlineKind)
_EVENT_TYPES = frozenset(
    str(model.model_fields["type"].default) for model in typing.get_args(AnyCaseEvent)
)
# Deadline names are written in domain/ (never taken from input): lower-case words only, and
# numbered keys ("fit_note_3_ending") never reach a label because digits are refused.
_DEADLINE_NAME = re.compile(r"[a-z][a-z_]{0,47}")
_PROJECTION = re.compile(r"[a-z][a-z_]{0,31}")
NOTICE_RESULTS = frozenset({"sent", "retried", "failed"})
UPDATE_OUTCOMES = frozenset({"applied", "accepted", "refused", "failed"})


def _closed(value: object, vocabulary: frozenset[str]) -> str:
    text = getattr(value, "value", value)
    return text if isinstance(text, str) and text in vocabulary else OTHER


def _named(value: object, pattern: re.Pattern[str]) -> str:
    return value if isinstance(value, str) and pattern.fullmatch(value) else OTHER


CASES_OPENED = Counter("rtw_cases_opened", "Cases opened, by route.", ["route"],
                       registry=REGISTRY)
CASES_CLOSED = Counter("rtw_cases_closed", "Cases closed, by outcome.", ["outcome"],
                       registry=REGISTRY)
CASE_EVENTS = Counter("rtw_case_events_appended", "Domain events appended to the event store, "
                      "by event type.", ["type"], registry=REGISTRY)
REMINDERS = Counter("rtw_reminders", "Reminders decided, by the deadline they remind of.",
                    ["kind"], registry=REGISTRY)
ESCALATIONS = Counter("rtw_escalations", "Escalations decided: missed_contact, deadline (a "
                      "deadline missed twice) or finding (an assessment or fit note).", ["kind"],
                      registry=REGISTRY)
DEADLINES_MISSED = Counter("rtw_deadlines_missed", "Deadlines that passed unmet, by what their "
                           "passing decided.", ["kind"], registry=REGISTRY)
NOTICES = Counter("rtw_notices", "Notice deliveries by the relay, by recipient role and result "
                  "(sent; retried: an attempt failed and another is due; failed: given up, the "
                  "case's worklist entry shows it).", ["role", "result"], registry=REGISTRY)
WEBHOOK_ATTEMPTS = Counter("rtw_webhook_attempts", "Webhook deliveries attempted to HR systems, "
                           "by result (success, failure).", ["result"], registry=REGISTRY)
QUARANTINES = Counter("rtw_quarantines", "Cases set aside by a projection or background loop "
                      "that could not process one of their events.", ["projection"],
                      registry=REGISTRY)
UPDATE_LATENCY = Histogram(
    "rtw_update_latency_seconds",
    "Time from an action's request to its answer, by action and outcome (applied, accepted "
    "for later, refused, failed).",
    ["action", "outcome"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)


def count_appended(events: Iterable[CaseEvent]) -> None:
    """Count the domain events of one append that the store newly wrote (not a retry's)."""
    for event in events:
        CASE_EVENTS.labels(_closed(event.type, _EVENT_TYPES)).inc()
        deadline_kind = _deadline_kind(event)
        if deadline_kind is not None:
            DEADLINES_MISSED.labels(deadline_kind).inc()
        if isinstance(event, CaseOpened):
            CASES_OPENED.labels(Route.RETURN_TO_WORK.value).inc()
        elif isinstance(event, ReferralReceived):
            CASES_OPENED.labels(Route.STAY_AT_WORK.value).inc()
        elif isinstance(event, CommunityReferralReceived):
            CASES_OPENED.labels(Route.COMMUNITY.value).inc()
        elif isinstance(event, CaseClosed):
            CASES_CLOSED.labels(_closed(event.outcome, _OUTCOMES)).inc()
        elif isinstance(event, ReminderSent | ManagerRemindedOfContact):
            REMINDERS.labels(_named(event.deadline_name, _DEADLINE_NAME)).inc()
        elif isinstance(event, MissedContactEscalated):
            ESCALATIONS.labels("missed_contact").inc()
        elif isinstance(event, CaseEscalated):
            ESCALATIONS.labels("deadline" if event.deadline_key else "finding").inc()


def _deadline_kind(event: CaseEvent) -> str | None:
    """What a passing deadline decided, if this event is what it decided."""
    if isinstance(event, ManagerRemindedOfContact):
        return DeadlineKind.CONTACT_REMINDER.value
    if isinstance(event, MissedContactEscalated):
        return DeadlineKind.CONTACT_ESCALATION.value
    if isinstance(event, ReminderSent):
        return DeadlineKind.REMINDER.value
    if not getattr(event, "deadline_key", None):
        return None
    if isinstance(event, CaseEscalated):
        return DeadlineKind.ESCALATION.value
    if isinstance(event, OhReferralMade):
        return DeadlineKind.OH_REFERRAL.value
    if isinstance(event, RiskFlagRaised):
        return DeadlineKind.RISK_FLAG.value
    return OTHER


def count_notice(role: object, result: str) -> None:
    """One delivery attempt of the relay: `result` is sent, retried or failed."""
    NOTICES.labels(_closed(role, _ROLES), _closed(result, NOTICE_RESULTS)).inc()


def count_webhook_attempt(ok: bool) -> None:
    """One POST to an HR system's webhook: ok if it answered 2xx."""
    WEBHOOK_ATTEMPTS.labels("success" if ok else "failure").inc()


def count_quarantine(projection: str) -> None:
    """A projection or loop set a case aside (the case is named in its table, never here)."""
    QUARANTINES.labels(_named(projection, _PROJECTION)).inc()


def observe_update_latency(action: object, seconds: float, outcome: str = "applied") -> None:
    """How long an action took to answer; `outcome` is applied, accepted, refused or failed."""
    UPDATE_LATENCY.labels(_closed(action, _ACTIONS), _closed(outcome, UPDATE_OUTCOMES)).observe(
        seconds
    )


# --- the read side's figures, computed when scraped -------------------------------------------


@dataclass(frozen=True)
class ReadSideFigures:
    """What the read side's tables say now (`readside.gauges` computes them)."""

    open_cases: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """(route, stage) → cases in that stage."""
    overdue_cases: Mapping[str, int] = field(default_factory=dict)
    """stage → open cases whose next deadline has passed."""
    projection_lag: Mapping[str, int] = field(default_factory=dict)
    """projection → events recorded that it has not yet applied."""
    quarantined_cases: Mapping[str, int] | None = None
    """projection → cases set aside; None while the quarantine table does not exist."""
    pending_notices: int = 0
    oldest_pending_notice_seconds: float = 0.0
    failed_notices: int = 0


def _read_side_families(figures: ReadSideFigures | None) -> Iterator[Metric]:
    up = GaugeMetricFamily("rtw_readside_up", "1 if the read-side figures below were read from "
                           "PostgreSQL on this scrape, 0 if PostgreSQL did not answer.")
    up.add_metric([], 0 if figures is None else 1)
    yield up
    if figures is None:
        return
    open_cases = GaugeMetricFamily("rtw_open_cases", "Open cases by route and stage.",
                                   labels=["route", "stage"])
    for (route, stage), count in sorted(figures.open_cases.items()):
        open_cases.add_metric([_closed(route, _ROUTES), _closed(stage, _STAGES)], count)
    yield open_cases
    overdue = GaugeMetricFamily("rtw_overdue_cases", "Open cases whose next deadline has "
                                "passed, by stage.", labels=["stage"])
    for stage, count in sorted(figures.overdue_cases.items()):
        overdue.add_metric([_closed(stage, _STAGES)], count)
    yield overdue
    lag = GaugeMetricFamily("rtw_projection_lag_events", "Events in the event store that a "
                            "projection has not applied yet.", labels=["projection"])
    for projection, behind in sorted(figures.projection_lag.items()):
        lag.add_metric([_named(projection, _PROJECTION)], behind)
    yield lag
    if figures.quarantined_cases is not None:
        quarantined = GaugeMetricFamily("rtw_quarantined_cases", "Cases a projection or loop "
                                        "has set aside.", labels=["projection"])
        for projection, count in sorted(figures.quarantined_cases.items()):
            quarantined.add_metric([_named(projection, _PROJECTION)], count)
        yield quarantined
    pending = GaugeMetricFamily("rtw_outbox_pending_notices", "Notices in the outbox not yet "
                                "delivered by the relay.")
    pending.add_metric([], figures.pending_notices)
    yield pending
    oldest = GaugeMetricFamily("rtw_outbox_oldest_pending_seconds", "Age of the oldest notice "
                               "not yet delivered (the relay's lag); 0 when none waits.")
    oldest.add_metric([], figures.oldest_pending_notice_seconds)
    yield oldest
    failed = GaugeMetricFamily("rtw_outbox_failed_notices", "Notices the relay gave up on "
                               "(each shows on its case's worklist entry).")
    failed.add_metric([], figures.failed_notices)
    yield failed


class _Figures(Collector):
    def __init__(self, figures: ReadSideFigures | None) -> None:
        self._figures = figures

    def collect(self) -> Iterable[Metric]:
        return list(_read_side_families(self._figures))


def render(figures: ReadSideFigures | None = None, *, read_side: bool = True) -> bytes:
    """The text exposition of this process's metrics, with the read side's figures if asked."""
    text = generate_latest(REGISTRY)
    if read_side:
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(_Figures(figures))
        text += generate_latest(scrape)
    return text


# --- the Temporal SDK's own metrics, forwarded into the same registry ---------------------------

# Temporal's histograms are durations, read in seconds.
_TEMPORAL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                     300.0)
_Labels = tuple[tuple[str, str], ...]


@dataclass
class _Series:
    kind: int
    description: str
    values: dict[_Labels, float] = field(default_factory=dict)
    buckets: dict[_Labels, list[float]] = field(default_factory=dict)
    sums: dict[_Labels, float] = field(default_factory=dict)


class TemporalMetrics(Collector):
    """The SDK's metrics, drained from its buffer and kept as Prometheus series.

    The SDK labels its metrics with namespace, task queue, workflow and activity type and
    the like; any attribute naming an id is dropped all the same, in case a later SDK adds one.
    """

    def __init__(self, buffer: MetricBuffer) -> None:
        self._buffer = buffer
        self._lock = threading.Lock()
        self._series: dict[str, _Series] = {}

    def drain(self) -> None:
        with self._lock:
            for update in self._buffer.retrieve_updates():
                metric = update.metric
                series = self._series.setdefault(
                    metric.name, _Series(int(metric.kind), metric.description or metric.name)
                )
                labels: _Labels = tuple(sorted(
                    (key, str(value)) for key, value in update.attributes.items()
                    if not key.lower().endswith("id")
                ))
                if series.kind == BUFFERED_METRIC_KIND_COUNTER:
                    series.values[labels] = series.values.get(labels, 0.0) + update.value
                elif series.kind == BUFFERED_METRIC_KIND_GAUGE:
                    series.values[labels] = float(update.value)
                else:
                    counts = series.buckets.setdefault(labels, [0.0] * (len(_TEMPORAL_BUCKETS) + 1))
                    for index, bound in enumerate(_TEMPORAL_BUCKETS):
                        if update.value <= bound:
                            counts[index] += 1
                    counts[-1] += 1
                    series.sums[labels] = series.sums.get(labels, 0.0) + update.value

    def collect(self) -> Iterable[Metric]:
        self.drain()
        families: list[Metric] = []
        with self._lock:
            for name, series in sorted(self._series.items()):
                families.extend(_family(name, series))
        return families


def _family(name: str, series: _Series) -> Iterator[Metric]:
    keys = sorted({key for labels in (*series.values, *series.buckets) for key, _ in labels})

    def values_of(labels: _Labels) -> list[str]:
        found = dict(labels)
        return [found.get(key, "") for key in keys]

    if series.kind == BUFFERED_METRIC_KIND_COUNTER:
        counter = CounterMetricFamily(name, series.description, labels=keys)
        for labels, value in series.values.items():
            counter.add_metric(values_of(labels), value)
        yield counter
    elif series.kind == BUFFERED_METRIC_KIND_GAUGE:
        gauge = GaugeMetricFamily(name, series.description, labels=keys)
        for labels, value in series.values.items():
            gauge.add_metric(values_of(labels), value)
        yield gauge
    else:
        histogram = HistogramMetricFamily(f"{name}_seconds", series.description, labels=keys)
        for labels, counts in series.buckets.items():
            bounds = [*(str(b) for b in _TEMPORAL_BUCKETS), "+Inf"]
            histogram.add_metric(values_of(labels), list(zip(bounds, counts, strict=True)),
                                 series.sums[labels])
        yield histogram


_temporal: TemporalMetrics | None = None
_install_lock = threading.Lock()


def install_temporal_metrics(*, drain_every: float = 5.0) -> TemporalMetrics:
    """Make the SDK record its metrics into this process's registry (once per process).

    Call before the first Temporal client connects: clients made earlier keep their runtime.
    The buffer is drained on every scrape and in the background, so it never overflows.
    """
    global _temporal
    with _install_lock:
        if _temporal is not None:
            return _temporal
        buffer = MetricBuffer(100_000, duration_format=MetricBufferDurationFormat.SECONDS)
        Runtime.set_default(Runtime(telemetry=TelemetryConfig(metrics=buffer)),
                            error_if_already_set=False)
        _temporal = TemporalMetrics(buffer)
        REGISTRY.register(_temporal)
        threading.Thread(target=_drain_forever, args=(_temporal, drain_every),
                         name="rtw-temporal-metrics", daemon=True).start()
        return _temporal


def _drain_forever(metrics: TemporalMetrics, every: float) -> None:
    while True:
        time.sleep(every)
        try:
            metrics.drain()
        except Exception:  # a metrics failure must never end the process
            log.exception("could not drain the Temporal SDK's metrics")


# --- the worker's scrape endpoint --------------------------------------------------------------

FigureSource = Callable[[], Awaitable[ReadSideFigures | None]]


def parse_address(address: str) -> tuple[str, int]:
    """'host:port' or '[v6]:port' → (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not host:port")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - ':9464' asks for every address


async def serve(address: str, figures: FigureSource) -> asyncio.Server:
    """Serve `GET /metrics` on `address` (the worker's RTW_METRICS_ADDRESS) until closed."""
    host, port = parse_address(address)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            method, _, rest = head.partition(b" ")
            target = rest.split(b" ", 1)[0].split(b"?", 1)[0]
            if method in (b"GET", b"HEAD") and target in (b"/metrics", b"/"):
                body = render(await figures())
                status, kind = b"200 OK", CONTENT_TYPE.encode()
            else:
                body, status, kind = b"not found\n", b"404 Not Found", b"text/plain"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + kind
                         + b"\r\nContent-Length: " + str(len(body)).encode()
                         + b"\r\nConnection: close\r\n\r\n"
                         + (b"" if method == b"HEAD" else body))
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(answer, host, port)
    log.info("metrics served on http://%s:%d/metrics", host, port)
    return server
