"""A case's data key is made before its workflow starts (by the API) and found again by every
later start and by the store's first append: concurrent makers agree on one key."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from eventstore.store import CaseEventStore
from eventstore.subject_keys import DataKey
from tests.conftest import keyed_store


def test_concurrent_starts_of_one_case_get_one_data_key(store: CaseEventStore,
                                                         database_url: str) -> None:
    case_id = str(uuid.uuid4())
    with keyed_store(database_url) as other_process:
        makers = [store.subject_keys, other_process.subject_keys] * 4
        ready = threading.Barrier(len(makers))

        def make(n: int) -> DataKey:
            ready.wait()
            return makers[n].create(case_id, "acme-trust", "E1001")

        with ThreadPoolExecutor(len(makers)) as pool:
            keys = list(pool.map(make, range(len(makers))))
    assert len({(k.key_id, k.secret) for k in keys}) == 1
    assert keys[0].secret is not None
    assert store.subject_keys.cases_of("acme-trust", "E1001").count(case_id) == 1
