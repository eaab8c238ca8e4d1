"""Metric labels stay within closed vocabularies; logs are JSON with the trace id; spans lose
the Temporal attributes that would name a case."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from temporalio.runtime import BUFFERED_METRIC_KIND_COUNTER, BUFFERED_METRIC_KIND_HISTOGRAM

from infra import metrics
from infra.logs import DropUvicornAccessLine, JsonFormatter
from infra.telemetry import REDACTED, tracer_provider

CASE_ID = "794a2d6e-e2dc-59a0-8df8-b3afb0d5f806"


def scraped() -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(metrics.render(None).decode()):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def test_a_label_outside_its_vocabulary_is_counted_as_other() -> None:
    failures_before = metrics.REGISTRY.get_sample_value(
        "rtw_webhook_attempts_total", {"result": "failure"}) or 0.0
    quarantines_before = metrics.REGISTRY.get_sample_value(
        "rtw_quarantines_total", {"projection": "other"}) or 0.0
    metrics.observe_update_latency(CASE_ID, 0.1)
    metrics.observe_update_latency("record_fit_note", 0.1, "applied")
    metrics.count_quarantine("Sam Patel")
    metrics.count_notice("hr", "sent")
    metrics.count_notice("Sam Patel", "whatever")
    metrics.count_webhook_attempt(False)
    text = metrics.render(None).decode()
    assert CASE_ID not in text and "Sam Patel" not in text
    samples = scraped()
    actions = {labels["action"] for labels, _ in samples["rtw_update_latency_seconds_count"]}
    assert {"other", "record_fit_note"} <= actions
    assert ({"projection": "other"}, quarantines_before + 1) in samples["rtw_quarantines_total"]
    assert {"role": "other", "result": "other"} in [lb for lb, _ in samples["rtw_notices_total"]]
    assert ({"result": "failure"}, failures_before + 1) in samples["rtw_webhook_attempts_total"]


def test_read_side_figures_render_as_gauges_and_an_unanswered_database_as_down() -> None:
    figures = metrics.ReadSideFigures(
        open_cases={("return_to_work", "assessment"): 3, ("return_to_work", CASE_ID): 1},
        overdue_cases={"assessment": 2}, projection_lag={"worklist": 5},
        quarantined_cases={"worklist": 1}, pending_notices=4, oldest_pending_notice_seconds=9.5,
    )
    text = metrics.render(figures).decode()
    assert CASE_ID not in text
    samples = {f.name: f for f in text_string_to_metric_families(text)}
    assert samples["rtw_open_cases"].samples[0].value in (1.0, 3.0)
    assert {s.labels["stage"] for s in samples["rtw_open_cases"].samples} == {"assessment",
                                                                             "other"}
    assert samples["rtw_projection_lag_events"].samples[0].value == 5.0
    assert samples["rtw_readside_up"].samples[0].value == 1.0
    down = {f.name: f for f in text_string_to_metric_families(metrics.render(None).decode())}
    assert down["rtw_readside_up"].samples[0].value == 0.0
    assert "rtw_open_cases" not in down


@dataclass(frozen=True)
class FakeMetric:
    name: str
    kind: int
    description: str | None = "a Temporal metric"
    unit: str | None = None


@dataclass(frozen=True)
class FakeUpdate:
    metric: FakeMetric
    value: float
    attributes: dict[str, str] = field(default_factory=dict)


class FakeBuffer:
    def __init__(self, updates: list[FakeUpdate]) -> None:
        self.updates = updates

    def retrieve_updates(self) -> list[FakeUpdate]:
        drained, self.updates = self.updates, []
        return drained


def test_temporal_sdk_metrics_become_prometheus_series_without_ids() -> None:
    requests = FakeMetric("temporal_request", BUFFERED_METRIC_KIND_COUNTER)
    latency = FakeMetric("temporal_request_latency", BUFFERED_METRIC_KIND_HISTOGRAM)
    labels = {"operation": "StartWorkflowExecution", "workflow_id": CASE_ID}
    collector = metrics.TemporalMetrics(FakeBuffer([  # type: ignore[arg-type]
        FakeUpdate(requests, 1, labels), FakeUpdate(requests, 2, labels),
        FakeUpdate(latency, 0.03, labels), FakeUpdate(latency, 2.0, labels),
    ]))
    families = {f.name: f for f in collector.collect()}
    counter = families["temporal_request"].samples
    assert counter[0].value == 3 and counter[0].labels == {"operation": "StartWorkflowExecution"}
    histogram = {s.name: s for s in families["temporal_request_latency_seconds"].samples
                 if s.labels.get("le") in (None, "0.05", "+Inf")}
    assert histogram["temporal_request_latency_seconds_count"].value == 2
    assert CASE_ID not in repr(families)


def test_json_lines_carry_time_level_logger_message_and_the_trace_id() -> None:
    provider = TracerProvider()
    record = logging.LogRecord("rtw.test", logging.INFO, __file__, 1, "case %s moved", ("x",),
                               None)
    with provider.get_tracer("t").start_as_current_span("s") as span:
        line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "case x moved" and entry["level"] == "INFO"
    assert entry["logger"] == "rtw.test" and entry["time"].endswith("+00:00")
    assert entry["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert json.loads(JsonFormatter().format(record))["trace_id"] is None


def test_uvicorns_access_line_with_its_raw_path_and_query_is_dropped() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "GET", "/v1/cases?name=Sam", "1.1", 200), None)
    assert not DropUvicornAccessLine().filter(record)


def test_temporal_attributes_naming_a_case_are_redacted_before_export() -> None:
    exported = InMemorySpanExporter()
    provider = tracer_provider("rtw-test", [SimpleSpanProcessor(exported)])
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("RunWorkflow:CaseWorkflow", attributes={
        "temporalWorkflowID": CASE_ID, "temporalUpdateID": "Sam's key", "temporalRunID": "r1",
    }):
        pass
    (span,) = exported.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["temporalWorkflowID"] == REDACTED
    assert span.attributes["temporalUpdateID"] == REDACTED
    assert span.attributes["temporalRunID"] == "r1"


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1:9464", ("127.0.0.1", 9464)), ("[::1]:9000", ("::1", 9000)),
    (":9464", ("0.0.0.0", 9464)),  # noqa: S104
])
def test_metrics_address_is_host_and_port(address: str, expected: tuple[str, int]) -> None:
    assert metrics.parse_address(address) == expected


def test_a_metrics_address_without_a_port_is_refused() -> None:
    with pytest.raises(ValueError, match="host:port"):
        metrics.parse_address("localhost")
