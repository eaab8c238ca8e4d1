"""The Temporal worker for cases: the composition root of workflows and activities."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.event_log import EventLogActivities
from activities.notify import LegacyNotices, NotifyActivities
from activities.privacy import Eraser
from activities.webhooks import WebhookActivities, WebhookDirectory
from eventstore.store import CaseEventStore
from infra import bootstrap, temporal_client
from infra.backoff import Backoff, retry_until_ready
from infra.employers import EmployerDirectory
from infra.metrics import install_temporal_metrics
from infra.policies import PolicyBook
from infra.settings import Settings
from infra.telemetry import configure_tracing
from infra.temporal_client import WORKFLOW_RUNNER
from readside.erasure import remove_read_rows
from readside.gauges import serve_metrics
from readside.outbox import NoticeOutbox
from readside.schema import ensure_schema
from readside.webhook_deliveries import WebhookDeliveries
from worker.projector import projectors
from worker.relay import build_relay
from worker.retention import build_retention_worker, start_retention
from workflows.case import CaseWorkflow

log = logging.getLogger(__name__)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    store: CaseEventStore,
    outbox: LegacyNotices,
    executor: ThreadPoolExecutor,
    webhooks: WebhookActivities,
) -> Worker:
    event_log = EventLogActivities(store)
    notify = NotifyActivities(outbox)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[event_log.append_case_events, notify.send_notification,
                    webhooks.deliver_webhook],
        activity_executor=executor,
        workflow_runner=WORKFLOW_RUNNER,
    )


async def run_worker(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then finish in-flight tasks and stop. The projections (the
    worklist and the KPI facts) run here unless RTW_PROJECTOR_IN_WORKER is false (then
    `rtw projector` runs them on their own), and the notice relay too unless
    RTW_RELAY_IN_WORKER is false (then `rtw relay` runs it on its own).

    Nothing but a signal ends it: at start it waits for PostgreSQL and Temporal; later the
    projector backs off from a database outage, and a Temporal worker that fails (a server
    away for longer than the SDK's own retries) is built again after a pause.
    """
    settings.require_keys("worker")
    install_temporal_metrics()  # before the client connects, so the SDK's metrics join rtw's
    tracer = configure_tracing("rtw-worker")
    settings.require_database_url()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    store = await bootstrap.open_event_store(settings, wait=True)
    client = await bootstrap.temporal(settings, tracer=tracer, wait=True,
                                      data_keys=bootstrap.data_keys_of(store))
    try:
        await temporal_client.ensure_search_attributes(client, settings.temporal_namespace)
    except Exception as error:  # a managed namespace may refuse; not fatal
        log.warning("could not register case search attributes: %s", error)
    pool = await bootstrap.database_pool(settings, max_size=6, wait=True)
    await retry_until_ready("read-side schema", lambda: ensure_schema(pool))
    metrics_server = await serve_metrics(settings.metrics_address, pool)
    http = bootstrap.webhook_http_client()
    employers = EmployerDirectory.load(settings.employers_dir)
    relay = (build_relay(settings, pool=pool, store=store, employers=employers)
             if settings.relay_in_worker else None)
    webhooks = WebhookActivities(WebhookDirectory.load(settings.webhooks_file, employers),
                                 WebhookDeliveries(pool), http)
    # Retention: a daily Schedule erases the closed cases whose employer's policy keeps them
    # no longer, through the eraser (on a task queue of its own).
    eraser = await start_retention(client, task_queue=settings.task_queue, eraser=Eraser(
        store, client, functools.partial(remove_read_rows, pool), pool=pool))
    policies = PolicyBook.load(settings.policy_dir, employers)
    with ThreadPoolExecutor(max_workers=8) as executor:
        # Each projection keeps its own position; each prepares its tables on first catch-up.
        projecting = projectors(store, pool) if settings.projector_in_worker else []
        retention = [poll_until_stopped(functools.partial(
            build_retention_worker, client, task_queue=settings.task_queue, pool=pool,
            policy_in_force=policies.in_force, eraser=eraser), stop)] if eraser else []
        await asyncio.gather(
            poll_until_stopped(
                lambda: build_worker(client, task_queue=settings.task_queue, store=store,
                                     outbox=NoticeOutbox(pool), executor=executor,
                                     webhooks=webhooks),
                stop,
            ),
            *(projector.run(stop) for projector in projecting),
            *([relay.run(stop)] if relay is not None else []),
            *retention,
        )
    if relay is not None:
        await relay.close()
    await http.aclose()
    if metrics_server is not None:
        metrics_server.close()
    await pool.close()
    store.close()


async def poll_until_stopped(make_worker: Callable[[], Worker], stop: asyncio.Event) -> None:
    """Run a Temporal worker until `stop`; if it fails, build a new one after a pause."""
    backoff = Backoff("temporal worker", longest=30.0)
    while not stop.is_set():
        worker = make_worker()
        running = asyncio.create_task(worker.run())
        stopping = asyncio.create_task(stop.wait())
        log.info("worker polling task queue %s", worker.task_queue)
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            await worker.shutdown()  # lets in-flight activities finish
            with contextlib.suppress(Exception):
                await running
            return
        stopping.cancel()
        error = running.exception()
        if error is None:
            return
        pause = backoff.failed(error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)
