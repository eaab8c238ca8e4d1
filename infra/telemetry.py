"""OpenTelemetry tracing: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, silent otherwise.

One trace runs from the HTTP request through the workflow to each activity and SQL statement.
No span may name a case: the Temporal interceptor's workflow and update id attributes are
redacted as each span starts (a workflow id is the case id; an update id is the caller's
idempotency key, free text), SQL spans carry statements with placeholders and never their
parameters, and route spans are named by the route's template.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

if TYPE_CHECKING:
    from collections.abc import Iterable

REDACTED = "redacted"
# Attributes the Temporal tracing interceptor sets that would carry a case id or free text.
REDACTED_ATTRIBUTES = frozenset({"temporalWorkflowID", "temporalUpdateID"})


class RedactingSpanProcessor(SpanProcessor):
    """Overwrites identifying attributes as each span starts, before any exporter sees it."""

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        attributes = span.attributes or {}
        for key in REDACTED_ATTRIBUTES.intersection(attributes):
            span.set_attribute(key, REDACTED)

    def on_end(self, span: ReadableSpan) -> None:
        return None


def tracer_provider(service_name: str, processors: Iterable[SpanProcessor] = ()
                    ) -> TracerProvider:
    """A provider that redacts first, then hands spans to `processors` (and OTLP if set)."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(RedactingSpanProcessor())
    for processor in processors:
        provider.add_span_processor(processor)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def instrument_sql(provider: trace.TracerProvider) -> None:
    """SQL spans: asyncpg (the read side) and psycopg (the event store), without parameters.

    Patches the drivers process-wide, once; connections opened afterwards are traced.
    """
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    for instrumentor in (AsyncPGInstrumentor(capture_parameters=False),  # type: ignore[no-untyped-call]
                         PsycopgInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider, capture_parameters=False)


def uninstrument_sql() -> None:
    """Undo `instrument_sql` (tests that trace SQL into their own provider)."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    for instrumentor in (AsyncPGInstrumentor(),  # type: ignore[no-untyped-call]
                         PsycopgInstrumentor()):
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


def configure_tracing(service_name: str) -> trace.Tracer:
    """Install the process's tracer provider, trace its SQL, and return a tracer for rtw's own
    spans."""
    provider = tracer_provider(service_name)
    trace.set_tracer_provider(provider)
    instrument_sql(provider)
    return trace.get_tracer("rtw")


def current_trace_id() -> str | None:
    """The W3C trace id of the span this code runs in, to stamp on the events it causes."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
