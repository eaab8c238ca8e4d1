"""`rtw run` signing an employee in by a link sent to a real SMTP server: the link arrives, works
once, a used or expired link is refused, an unknown address gets the same answer and no mail,
and an address asking too often is sent no more links."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from infra.sign_in_links import LINKS_PER_HOUR
from tests.e2e.test_local_stack import LocalStack, stack_mailing_by_smtp
from tests.e2e.test_notices_by_email import wait_for
from tests.support.api_harness import absence
from tests.support.mail import Mailbox

EMAIL = "sam.patel@acme.example"
UNKNOWN = "nobody@acme.example"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def stack(tmp_path: Path, mailbox: Mailbox) -> Iterator[LocalStack]:
    with stack_mailing_by_smtp(tmp_path, mailbox) as local:
        yield local


def database_url(stack: LocalStack) -> str:
    settings = (stack.workdir / ".rtw" / "local.env").read_text()
    found = re.search(r"^RTW_DATABASE_URL=(\S+)$", settings, re.MULTILINE)
    assert found is not None, settings
    return found.group(1).strip("'\"")


def sql(stack: LocalStack, statement: str, *args: object) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url(stack), autocommit=True) as connection:
        cursor = connection.execute(statement, args)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def sign_in_mails(mailbox: Mailbox, address: str) -> list[str]:
    return [m.message.get_content() for m in mailbox.messages() if m.rcpt_tos == [address]
            and "sign in" in str(m.message["Subject"]).lower()]


def ask_for_link(stack: LocalStack, address: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/employee/sign-in", data={"email": address},
                      headers={"Origin": stack.url}, follow_redirects=False)


def link_in(body: str) -> str:
    found = re.search(r"http://\S+/employee/sign-in/\S+", body)
    assert found is not None, body
    return found.group(0)


def use(link: str, stack: LocalStack) -> httpx.Response:
    return httpx.post(link, headers={"Origin": stack.url}, follow_redirects=False)


def test_a_sign_in_link_arrives_by_email_and_works_once_within_its_time(
        stack: LocalStack, mailbox: Mailbox) -> None:
    stack.start()
    body = absence(employee={"id": "E1001", "name": "Sam Patel", "email": EMAIL})
    created = httpx.post(f"{stack.url}/v1/absences", json=body, headers=stack.token("hr"))
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    wait_for(lambda: bool(sql(stack, "SELECT 1 FROM rtw_employee_contacts WHERE case_id = %s",
                              case_id)), within=30, what="the case's employee, projected")

    known, unknown = ask_for_link(stack, EMAIL), ask_for_link(stack, UNKNOWN)
    assert (known.status_code, known.headers["location"]) == (
        unknown.status_code, unknown.headers["location"]) == (303, "/employee/sign-in?sent=true")
    wait_for(lambda: len(sign_in_mails(mailbox, EMAIL)) == 1, within=30, what="the link")
    [mail] = sign_in_mails(mailbox, EMAIL)
    link = link_in(mail)
    assert link.startswith(f"{stack.url}/employee/sign-in/")
    # The database holds the link's id, never the link.
    token = link.rsplit("/", 1)[1]
    stored = sql(stack, "SELECT * FROM rtw_employee_links") + sql(
        stack, "SELECT * FROM rtw_notices WHERE kind = 'employee_sign_in_link'")
    assert token not in repr(stored) and token.split(".")[1] not in repr(stored)

    # Opening the link changes nothing (a mail scanner may open it); the button signs in.
    assert "Continue to your case" in httpx.get(link).text
    signed_in = use(link, stack)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/my-case"
    cookie = signed_in.cookies["rtw_session"]
    page = httpx.get(f"{stack.url}/my-case", cookies={"rtw_session": cookie})
    assert page.status_code == 200 and case_id in page.text

    again = use(link, stack)
    assert again.status_code == 410 and "This link has been used" in again.text
    assert "rtw_session" not in again.cookies

    # A second link, left past its time, is refused.
    assert ask_for_link(stack, EMAIL).status_code == 303
    wait_for(lambda: len(sign_in_mails(mailbox, EMAIL)) == 2, within=30, what="a second link")
    second = link_in(sign_in_mails(mailbox, EMAIL)[1])
    sql(stack, "UPDATE rtw_employee_links SET expires_at = now() - interval '1 minute' "
               "WHERE link_id = %s", second.rsplit("/", 1)[1].split(".")[0])
    expired = use(second, stack)
    assert expired.status_code == 410 and "This link has expired" in expired.text

    # A tampered link opens nothing.
    assert use(link[:-2] + "xx", stack).status_code == 404

    # The address may have a few links an hour, and no more; asking is still answered alike.
    for _ in range(LINKS_PER_HOUR):
        assert ask_for_link(stack, EMAIL).headers["location"] == "/employee/sign-in?sent=true"
    wait_for(lambda: len(sign_in_mails(mailbox, EMAIL)) == LINKS_PER_HOUR, within=30,
             what="the links up to the hour's limit")
    time.sleep(3)  # longer than the relay takes: nothing more comes
    assert len(sign_in_mails(mailbox, EMAIL)) == LINKS_PER_HOUR
    assert not [m for m in mailbox.messages() if UNKNOWN in m.rcpt_tos]
    code, output = stack.stop()
    assert code == 0, output
    assert token not in output  # the link never reaches the log
