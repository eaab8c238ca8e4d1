"""The inbox over HTTP: each caller reads their own notices, in the words they were sent in,
newest first, and marks them read; nobody reads another's."""

from __future__ import annotations

import asyncio

from domain.actors import Role
from eventstore.store import CaseEventStore
from readside.worklist import WorklistProjector
from tests.support.api_harness import OTHER_MANAGER_TOKEN, ApiStack, auth
from tests.support.builders import open_command
from tests.support.notices import store_case_to_escalation


async def test_each_role_reads_its_own_notices_in_the_words_they_were_sent_in(
    api: ApiStack, store: CaseEventStore,
) -> None:
    state = await asyncio.to_thread(store_case_to_escalation, store)

    mine = await api.http.get("/v1/notices", headers=auth(Role.MANAGER))
    hr = await api.http.get("/v1/notices", headers=auth(Role.HR))
    oh = await api.http.get("/v1/notices", headers=auth(Role.OH))
    other = await api.http.get("/v1/notices",
                               headers={"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"})
    auditor = await api.http.get("/v1/notices", headers=auth(Role.AUDITOR))

    [reminder] = mine.json()["items"]
    assert reminder["kind"] == "early_contact_due" and reminder["case_id"] == state.case_id
    assert "Early contact is overdue" in reminder["subject"]
    assert state.employee.name in reminder["body"]
    assert (reminder["delivery"], reminder["read"]) == ("pending", False)
    [missed] = hr.json()["items"]
    assert missed["kind"] == "early_contact_missed"
    assert state.employee.name not in missed["body"]  # a shared mailbox reads no names
    assert oh.json()["items"] == [] and other.json()["items"] == []
    assert auditor.status_code == 403


async def test_a_notice_is_marked_read_by_its_reader_only(
    api: ApiStack, store: CaseEventStore,
) -> None:
    await asyncio.to_thread(store_case_to_escalation, store)
    [reminder] = (await api.http.get("/v1/notices", headers=auth(Role.MANAGER))).json()["items"]
    path = f"/v1/notices/{reminder['notice_id']}/read"

    by_hr = await api.http.post(path, headers=auth(Role.HR))
    by_other = await api.http.post(path,
                                   headers={"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"})
    read = await api.http.post(path, headers=auth(Role.MANAGER))

    assert (by_hr.status_code, by_other.status_code, read.status_code) == (404, 404, 200)
    assert read.json()["read"] is True
    [again] = (await api.http.get("/v1/notices", headers=auth(Role.MANAGER))).json()["items"]
    assert again["read"] is True


async def test_the_inbox_pages_newest_first_and_refuses_a_made_up_cursor(
    api: ApiStack, store: CaseEventStore,
) -> None:
    for number in range(3):
        await asyncio.to_thread(store_case_to_escalation, store,
                                open_command(absence_id=f"ABS-PAGE-{number}"))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get("/v1/notices", params=params,
                                   headers=auth(Role.MANAGER))).json()
        seen += [item["notice_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    created = [item["created_at"] for item in (await api.http.get(
        "/v1/notices", params={"limit": "10"}, headers=auth(Role.MANAGER))).json()["items"]]

    assert len(seen) == len(set(seen)) == 3
    assert created == sorted(created, reverse=True)
    bad = await api.http.get("/v1/notices", params={"cursor": "bm90LWEtY3Vyc29y"},
                             headers=auth(Role.MANAGER))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_oh_and_hr_see_on_the_worklist_that_a_notice_could_not_be_delivered(
    api: ApiStack, store: CaseEventStore,
) -> None:
    state = await asyncio.to_thread(store_case_to_escalation, store)
    await api.harness.pool.execute(
        "UPDATE rtw_notices SET status = 'failed' WHERE case_id = $1::uuid", state.case_id)
    await WorklistProjector(store, api.harness.pool).catch_up()

    async def entry(role: Role) -> dict[str, object]:
        for _ in range(100):
            items = (await api.http.get("/v1/cases", headers=auth(role))).json()["items"]
            found = [item for item in items if item["case_id"] == state.case_id]
            if found:
                return dict(found[0])
            await asyncio.sleep(0.1)
        raise AssertionError("the case never reached the worklist")

    assert (await entry(Role.OH))["undelivered_notices"] == 2
    assert (await entry(Role.HR))["undelivered_notices"] == 2
    assert (await entry(Role.MANAGER))["undelivered_notices"] is None


