"""One way to reach Temporal: pydantic payloads, encrypted, traced."""

from __future__ import annotations

from opentelemetry import trace
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from infra.codec import DataKeySource, SealedCodec, SealedPayloadConverter
from workflows.search_attributes import CASE_SEARCH_ATTRIBUTES

# domain/ is pure and deterministic, so it is loaded once outside the sandbox; this also
# gives it the real zoneinfo, which the sandbox would otherwise proxy. pydantic's e-mail
# validation imports its helpers lazily: they are deterministic and passed through too.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "domain", "pydantic", "email_validator", "idna"
    )
)


def data_converter(payload_keys: str | None, *, data_keys: DataKeySource | None = None
                   ) -> DataConverter:
    """The pydantic converter behind the sealed codec; failure messages and stack traces go
    into encoded attributes, so they are sealed too. There is no unencrypted mode: without
    keys this raises a `KeyRingError` naming RTW_PAYLOAD_KEYS. With `data_keys` (the event
    store's), a case's payloads are also sealed under the case's data key."""
    return DataConverter(
        payload_converter_class=SealedPayloadConverter,
        payload_codec=SealedCodec.from_spec(payload_keys, data_keys=data_keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(
    address: str,
    namespace: str,
    *,
    payload_keys: str | None,
    data_keys: DataKeySource | None = None,
    tracer: trace.Tracer | None = None,
    lazy: bool = False,
) -> Client:
    """`lazy` connects on first use: a process that only calls Temporal on request (the API)
    starts and answers 503 while the server is away, instead of waiting for it."""
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=data_converter(payload_keys, data_keys=data_keys),
        interceptors=[TracingInterceptor(tracer)],
        lazy=lazy,
    )


def traced_client(client: Client, *, payload_keys: str | None, tracer: trace.Tracer,
                  data_keys: DataKeySource | None = None) -> Client:
    """A client for an already-open connection (tests), configured like `connect`."""
    config = client.config()
    config["data_converter"] = data_converter(payload_keys, data_keys=data_keys)
    config["interceptors"] = [TracingInterceptor(tracer)]
    return Client(**config)


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register the case search attributes on the namespace if they are missing."""
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = [name for name in CASE_SEARCH_ATTRIBUTES if name not in listed.custom_attributes]
    if missing:
        await add_search_attributes(client, namespace, missing)


async def add_search_attributes(client: Client, namespace: str, names: list[str]) -> None:
    """Register the named case search attributes (the test server cannot list them first)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                name: IndexedValueType.Value(
                    f"INDEXED_VALUE_TYPE_{CASE_SEARCH_ATTRIBUTES[name].upper()}"
                )
                for name in names
            },
        )
    )
