"""The read tables name no one: cases opened through the API leave no employee name, HR id or
email (and no reason category beside the employee key) in clear in `rtw_worklist`,
`rtw_employee_contacts`, `rtw_employee_cases` or the sign-in links, while OH's worklist (JSON
and page) still shows the name, the employee's sign-in lookups still find them, and a case
whose key was destroyed shows no name."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from domain.actors import Role
from eventstore.row_seal import RowSeal
from infra.sign_in_links import SignInLinkKey
from readside.employee_cases import EmployeeCasesProjector, cases_of
from readside.employee_links import EmployeeContactsProjector, own_cases, send_links, use_link
from readside.worklist import WorklistProjector
from tests.support.api_harness import TOKENS, ApiStack, absence, auth, open_case

EMPLOYER = "acme-trust"
PEOPLE = [
    {"id": "HR-Q7731", "name": "Ottoline Vexworthy", "email": "ottoline.v@example.org"},
    {"id": "HR-Q7732", "name": "Brannagh Quillfeather", "email": "brannagh.q@example.org"},
]
REASON = "mental_health"
TABLES = ("rtw_worklist", "rtw_employee_contacts", "rtw_employee_cases")


async def project(api: ApiStack, cases: int) -> None:
    """Run the three projectors (as the projector process would) until each has every case."""
    store, pool = api.harness.store, api.harness.pool
    projectors = (WorklistProjector(store, pool), EmployeeContactsProjector(store, pool),
                  EmployeeCasesProjector(store, pool))
    for _ in range(200):
        for projector in projectors:
            await projector.catch_up()
        counts = [await pool.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
                  for table in TABLES]
        if counts == [cases] * len(TABLES):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the cases were never projected")


async def rows_as_text(api: ApiStack) -> dict[str, list[str]]:
    return {table: [row[0] for row in await api.harness.pool.fetch(
        f"SELECT t::text FROM {table} t")]  # noqa: S608 - names from TABLES
        for table in TABLES}


def in_clear(rows: dict[str, list[str]]) -> list[tuple[str, str]]:
    found = [(table, value) for table, texts in rows.items() for text in texts
             for person in PEOPLE for value in person.values() if value in text]
    found += [("rtw_employee_cases", REASON) for text in rows["rtw_employee_cases"]
              if REASON in text]
    return found


async def test_read_tables_hold_no_name_hr_id_or_email_yet_oh_and_the_employee_find_them(
        api: ApiStack) -> None:
    case_ids = [await open_case(api, absence(employee=person, reason_category=REASON))
                for person in PEOPLE]
    await project(api, len(PEOPLE))

    rows = await rows_as_text(api)
    assert all(len(rows[table]) == len(PEOPLE) for table in TABLES)
    assert in_clear(rows) == []

    # OH's worklist still names each employee, in JSON and on the page.
    listed = (await api.http.get("/v1/cases?limit=200", headers=auth(Role.OH))).json()
    shown = {item["case_id"]: item["employee"] for item in listed["items"]}
    assert {shown[c]["name"] for c in case_ids} == {p["name"] for p in PEOPLE}
    assert {shown[c]["id"] for c in case_ids} == {p["id"] for p in PEOPLE}
    own = str(api.http.base_url).rstrip("/")
    signed = await api.http.post("/sign-in", data={"access_token": TOKENS[Role.OH]},
                                 headers={"Origin": own})
    assert signed.status_code == 303
    page = await api.http.get("/worklist")
    assert page.status_code == 200
    assert all(person["name"] in page.text for person in PEOPLE)

    # The employee's own lookups: a link to their address, whom it signs in, their cases.
    store, pool = api.harness.store, api.harness.pool
    seal, now = RowSeal(store.subject_keys), datetime.now(UTC)
    key = SignInLinkKey.from_audit_key(store.audit_key)
    (link,) = await send_links(pool, key, PEOPLE[0]["email"], now=now, rows=seal)
    assert (link.employee_id, link.case_id) == (PEOPLE[0]["id"], case_ids[0])
    links = [row[0] for row in await pool.fetch("SELECT t::text FROM rtw_employee_links t")]
    assert in_clear({"rtw_employee_links": links, "rtw_employee_cases": []}) == []
    owner = await use_link(pool, link.link_id, now=now, rows=seal)
    assert owner is not None and (owner.employee_id, owner.name) == (
        PEOPLE[0]["id"], PEOPLE[0]["name"])
    assert [c.case_id for c in await own_cases(pool, employer_ids=(EMPLOYER,),
                                               employee_id=PEOPLE[0]["id"])] == [case_ids[0]]
    # OH's record of the employee still has the reason, opened from its seal.
    [record] = await cases_of(pool, EMPLOYER, PEOPLE[1]["id"], rows=seal)
    assert record.reason_category == REASON

    # A row that outlives its case's key (erasure removes rows; this one survived) names no one.
    await asyncio.to_thread(store.subject_keys.destroy, [case_ids[1]], reason="test",
                            at=datetime.now(UTC))
    await pool.execute("DELETE FROM rtw_notices WHERE case_id = $1", uuid.UUID(case_ids[1]))
    listed = (await api.http.get("/v1/cases?limit=200", headers=auth(Role.OH))).json()
    shown = {item["case_id"]: item["employee"] for item in listed["items"]}
    assert shown[case_ids[1]] is None and shown[case_ids[0]]["name"] == PEOPLE[0]["name"]
    page = await api.http.get("/worklist")
    assert PEOPLE[1]["name"] not in page.text and "(name unavailable)" in page.text
    [record] = await cases_of(pool, EMPLOYER, PEOPLE[1]["id"], rows=seal)
    assert record.reason_category is None
