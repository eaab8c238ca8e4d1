"""The FastAPI application: built from services (tests) or from settings (`rtw api`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response

from api.access_log import AccessLogMiddleware
from api.body_limit import BodyLimitMiddleware
from api.problems import (
    add_problem_schema,
    install_problem_handlers,
    problem_response,
    unexpected,
)
from api.routes import (
    absences,
    actions,
    audit,
    case_notes,
    cases,
    community,
    corrections,
    documents,
    employees,
    health,
    hr_facts,
    notices,
    referrals,
    reports,
    worklist,
)
from api.routes import codec as codec_route
from api.routes import metrics as metrics_route
from api.services import Services
from api.tracing import TracingMiddleware
from api.web.config import WebConfig
from api.web.router import install_web
from infra import bootstrap
from infra.backoff import TRANSIENT_ERRORS, retry_until_ready
from infra.employers import EmployerDirectory
from infra.metrics import install_temporal_metrics
from infra.notice_texts import NoticeTexts
from infra.policies import PolicyBook
from infra.settings import Settings
from infra.telemetry import configure_tracing
from infra.tokens import TokenRegistry
from readside.schema import ensure_schema

DESCRIPTION = """
rtw carries every stay-at-work and return-to-work case as a durable workflow.
Every call needs `Authorization: Bearer <token>`; each token has one role
(`hr`, `manager`, `oh`, `auditor`, `admin`) and each answer is shaped by it.
Errors are `application/problem+json` (RFC 9457).
"""


def create_app(services: Services | None = None, settings: Settings | None = None) -> FastAPI:
    """The app with given services, or one that builds them from settings at startup."""
    if services is None:
        (settings or Settings()).require_keys("api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        built = await _services_from(settings or Settings())
        app.state.services = built
        try:
            yield
        finally:
            await built.pool.close()
            built.store.close()

    app = FastAPI(title="rtw", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # /docs is served offline by api.web
    install_problem_handlers(app)
    _answer_unavailable(app)
    app.include_router(health.router)
    app.include_router(absences.router)
    app.include_router(hr_facts.router)
    app.include_router(referrals.router)
    app.include_router(worklist.router)
    app.include_router(cases.router)
    app.include_router(actions.router)
    app.include_router(audit.router)
    app.include_router(notices.router)
    app.include_router(reports.router)
    app.include_router(metrics_route.router)
    app.include_router(case_notes.router)
    app.include_router(documents.router)
    app.include_router(corrections.router)
    app.include_router(community.router)
    app.include_router(employees.router)
    app.include_router(codec_route.router)
    install_web(app)
    if services is None:
        install_temporal_metrics()  # before the lifespan's client connects
    tracer = services.tracer if services is not None else configure_tracing("rtw-api")
    max_body = services.max_body_bytes if services is not None else (
        (settings or Settings()).max_body_bytes
    )
    max_document = services.max_document_bytes if services is not None else (
        (settings or Settings()).max_document_bytes
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body,
                       allowances=(documents.upload_allowance(max_document),))
    app.add_middleware(TracingMiddleware, tracer=tracer)
    app.add_middleware(AccessLogMiddleware)  # every authenticated request, logged once
    codec_settings = settings if settings is not None or services is not None else Settings()
    origins = codec_route.cors_origins(codec_settings.codec_cors_origins) if codec_settings else []
    if origins:
        app.add_middleware(codec_route.CodecCors, origins=origins)
    _document_problems(app)
    return app


def _answer_unavailable(app: FastAPI) -> None:
    """A database that is away (down, restarting, paused past the timeouts) is a 503 that
    the caller may retry, not a 500: nothing was acknowledged."""

    async def unavailable(request: Request, exc: Exception) -> Response:
        answer = problem_response(503, "Service Unavailable",
                                  f"PostgreSQL cannot be reached ({type(exc).__name__}); "
                                  "nothing was changed, retry later", request.url.path)
        answer.headers["Retry-After"] = "5"
        return answer

    async def temporal_away(request: Request, exc: Exception) -> Response:
        if not bootstrap.temporal_unreachable(exc):
            return await unexpected(request, exc)
        answer = problem_response(503, "Service Unavailable", "Temporal cannot be reached; "
                                  "nothing was changed, retry later", request.url.path)
        answer.headers["Retry-After"] = "5"
        return answer

    for error_type in TRANSIENT_ERRORS:
        app.add_exception_handler(error_type, unavailable)
    # The lazy client reports a server it cannot reach as a RuntimeError on first use.
    app.add_exception_handler(RuntimeError, temporal_away)


def _document_problems(app: FastAPI) -> None:
    """Routes refer to ProblemDocument by $ref; no route returns it, so add it by hand."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return add_problem_schema(generate())  # FastAPI caches the document it generates

    app.openapi = openapi  # type: ignore[method-assign]


async def _services_from(settings: Settings) -> Services:
    settings.require_database_url()
    from opentelemetry import trace

    tracer = trace.get_tracer("rtw")
    # Lazy: the API starts while Temporal is away and answers 503 until it is back.
    store = await bootstrap.open_event_store(settings, wait=True)
    client = await bootstrap.temporal(settings, tracer=tracer, lazy=True,
                                      data_keys=bootstrap.data_keys_of(store))
    pool = await bootstrap.database_pool(settings, max_size=10, wait=True)
    # the access log must exist before the first read
    await retry_until_ready("read-side schema", lambda: ensure_schema(pool))
    employers = EmployerDirectory.load(settings.employers_dir)
    return Services(
        temporal=client,
        store=store,
        pool=pool,
        tokens=TokenRegistry.load(settings.resolved_tokens_file()),
        tracer=tracer,
        task_queue=settings.task_queue,
        update_wait_seconds=settings.update_wait_seconds,
        policies=PolicyBook.load(settings.policy_dir, employers),
        max_body_bytes=settings.max_body_bytes,
        max_document_bytes=settings.max_document_bytes,
        texts=NoticeTexts(employers),
        web=WebConfig.from_settings(settings),
    )
