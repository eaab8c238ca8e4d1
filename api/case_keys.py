"""A case's data key, made before its workflow starts, so that its first Temporal payload (the
start input, naming the employee) is sealed under it too (see `infra.codec`)."""

from __future__ import annotations

import asyncio

from api.problems import Problem
from api.services import Services
from infra.codec import SealedCodec


async def ensure_case_key(services: Services, case_id: str, *, employer_id: str,
                          employee_id: str) -> None:
    """Make the case's data key, or find the one made before (a repeat, a concurrent start):
    the store's first append then seals the case's events with the same key. A case whose key
    was destroyed (erased) is refused with a 409: it opens no more."""
    keys = services.store.subject_keys
    if not keys.enabled:
        return
    key = await asyncio.to_thread(keys.create, case_id, employer_id, employee_id)
    if key.secret is None:
        raise Problem(409, "Conflict", f"case {case_id} was erased: it cannot be opened again")
    codec = services.temporal.data_converter.payload_codec
    if isinstance(codec, SealedCodec):
        codec.forget(case_id)
