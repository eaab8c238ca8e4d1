"""The Temporal worker for cases: the composition root of workflows and activities."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import httpx
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.event_log import EventLogActivities
from activities.notify import LogChannel, NotificationChannel, NotifyActivities, OutboxChannel
from activities.webhooks import WebhookActivities, WebhookDirectory
from eventstore.store import CaseEventStore
from eventstore.worklist import WorklistProjector
from worker import temporal_client
from worker.schema import ensure_schema
from worker.settings import Settings
from worker.telemetry import configure_tracing
from workflows.case import CaseWorkflow

log = logging.getLogger(__name__)

# domain/ is pure and deterministic, so it is loaded once outside the sandbox; this also
# gives it the real zoneinfo, which the sandbox would otherwise proxy. pydantic's e-mail
# validation imports its helpers lazily: they are deterministic and passed through too.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "domain", "pydantic", "email_validator", "idna"
    )
)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    store: CaseEventStore,
    channel: NotificationChannel,
    executor: ThreadPoolExecutor,
    webhooks: WebhookActivities,
) -> Worker:
    event_log = EventLogActivities(store)
    notify = NotifyActivities(channel)
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
    """Run until SIGINT/SIGTERM, then finish in-flight tasks and stop."""
    tracer = configure_tracing("rtw-worker")
    database_url = settings.require_database_url()
    client = await temporal_client.connect(
        settings.temporal_address,
        settings.temporal_namespace,
        payload_keys=settings.payload_keys,
        tracer=tracer,
    )
    try:
        await temporal_client.ensure_search_attributes(client, settings.temporal_namespace)
    except Exception as error:  # a managed namespace may refuse; not fatal
        log.warning("could not register case search attributes: %s", error)
    store = await asyncio.to_thread(
        CaseEventStore.connect,
        database_url,
        cipher_key=settings.event_cipher_key,
        audit_key=settings.audit_hmac_key,
    )
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=5)
    await ensure_schema(pool)
    channel: NotificationChannel = (
        OutboxChannel(pool) if settings.notification_channel == "outbox" else LogChannel()
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    http = httpx.AsyncClient(timeout=20)
    webhooks = WebhookActivities(WebhookDirectory.load(settings.webhooks_file), pool, http)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            client,
            task_queue=settings.task_queue,
            store=store,
            channel=channel,
            executor=executor,
            webhooks=webhooks,
        )
        projector = WorklistProjector(store, pool)  # prepares its tables on first catch-up
        async with worker:
            log.info("worker polling task queue %s", settings.task_queue)
            await projector.run(stop)
    await http.aclose()
    await pool.close()
    store.close()
