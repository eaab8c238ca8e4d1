"""The cost of sealing a case's Temporal payloads under its data key, against the codec without
that layer, measured in the same run.

    python -m bench.payload_keys                 # 1000 payloads per round, 11 rounds
    python -m bench.payload_keys --payloads 5000 --rounds 7

Each round encodes and then decodes, one call per payload as the SDK mostly makes them, a
payload the size of a case's start input (about 1.5 KB of JSON), for one case: first with the
payload seal alone (the baseline), then with the case's layer too, its data key found in the
codec's cache (it is looked up once per case every few seconds; the lookup that misses is one
indexed read of `rtw_subject_keys` in a thread, and is not what this measures). The two
alternate round by round; the figure is the ratio of their medians (time per payload with the
case's layer / without), and beside it the cached lookup alone against the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid

from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from eventstore.subject_keys import DataKey
from infra.codec import CaseKeys, SealedCodec, new_key_spec


class OneCaseKey:
    """The data key of the one case measured (as the store's `SubjectKeys` answers it)."""

    def __init__(self, case_id: str) -> None:
        self.key = DataKey(case_id, "dk-bench", os.urandom(32))

    def get(self, case_id: str) -> DataKey | None:
        return self.key if case_id == self.key.case_id else None

    def forget(self, case_id: str) -> None:
        pass


def start_input() -> Payload:
    body = {"case_id": str(uuid.uuid4()), "open": {
        "employer_id": "acme-trust", "absence_id": "ABS-1",
        "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
        "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
        "first_day": "2026-11-30", "reason_category": "musculoskeletal",
        "previous_absences": [{"first_day": f"2026-0{m}-01", "last_day": f"2026-0{m}-03"}
                              for m in range(1, 10)],
        "notes": "x" * 600}}
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(body).encode())


async def per_payload(codec: SealedCodec, payload: Payload, count: int) -> float:
    """Seconds per payload, encoded then decoded."""
    started = time.perf_counter()
    for _ in range(count):
        [sealed] = await codec.encode([payload])
        [opened] = await codec.decode([sealed])
    elapsed = time.perf_counter() - started
    assert opened == payload
    return elapsed / count


async def per_lookup(keys: CaseKeys, case_id: str, count: int) -> float:
    """Seconds per lookup of a cached data key."""
    started = time.perf_counter()
    for _ in range(count):
        await keys.lookup(case_id)
    return (time.perf_counter() - started) / count


async def main(payloads: int, rounds: int) -> None:
    case_id = str(uuid.uuid4())
    context = WorkflowSerializationContext(namespace="default", workflow_id=case_id)
    spec = new_key_spec("k1")
    baseline = SealedCodec.from_spec(spec).with_context(context)
    layered = SealedCodec.from_spec(spec, data_keys=OneCaseKey(case_id)).with_context(context)
    payload = start_input()
    await per_payload(layered, payload, 50)  # warm: the key is looked up once, then cached
    await per_payload(baseline, payload, 50)
    keys = CaseKeys(OneCaseKey(case_id))
    await keys.lookup(case_id)
    base, case, lookups = [], [], []
    for _ in range(rounds):
        base.append(await per_payload(baseline, payload, payloads))
        case.append(await per_payload(layered, payload, payloads))
        lookups.append(await per_lookup(keys, case_id, payloads))
    b, c, k = statistics.median(base), statistics.median(case), statistics.median(lookups)
    print(f"payload seal only:          {b * 1e6:7.1f} us per payload (encode + decode)")
    print(f"with the case's data key:   {c * 1e6:7.1f} us per payload (key cached)")
    print(f"the cached key lookup:      {k * 1e6:7.2f} us per payload "
          f"({2 * k / b:.1%} of the baseline: one lookup to encode, one to decode)")
    print(f"ratio (with / without):     {c / b:7.2f}  over {rounds} rounds of {payloads} "
          f"payloads of {len(payload.data)} bytes")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=11)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.payloads, arguments.rounds))
