"""One server span per HTTP request, continuing any W3C trace the caller sent, and one access
line per request.

Both are named by the route's template (`POST /v1/cases/{case_id}/fit-notes`), never by the
path a caller sent: a path holds case ids, and an unmatched path or a query string may hold
anything at all.
"""

from __future__ import annotations

import logging
import time

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.logs import ACCESS_LOGGER

access_log = logging.getLogger(ACCESS_LOGGER)


def route_template(scope: Scope) -> str | None:
    """The template of the route that served the request, once routing has matched one."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(template, str):
        return f"{scope.get('root_path', '')}{template}"
    return None


class TracingMiddleware:
    """Pure ASGI middleware so the span is current while the route talks to Temporal."""

    def __init__(self, app: ASGIApp, tracer: trace.Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        context = propagate.extract(carrier)
        method = scope["method"]
        started = time.perf_counter()
        status = 500
        # Renamed to the route's template as soon as routing has found one.
        with self.tracer.start_as_current_span(f"HTTP {method}", context=context,
                                               kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", method)

            def name_by_route() -> str | None:
                template = route_template(scope)
                if template is not None:
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", template)
                return template

            async def send_with_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    name_by_route()
                await send(message)

            try:
                await self.app(scope, receive, send_with_status)
            finally:
                template = name_by_route() or "(no route)"
                access_log.info("%s %s %d %.1fms", method, template, status,
                                (time.perf_counter() - started) * 1000)
