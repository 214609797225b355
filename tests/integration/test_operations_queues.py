"""The Operations page's queue table, read from the real Redis broker: every queue with its
ready, delayed and dead-letter counts; staff retry or drop dead letters, each a recorded staff action."""

from __future__ import annotations

import re
import time
import uuid

import dramatiq
import psycopg
import pytest
from django.test import Client
from dramatiq import Message, Worker

from jobraker.accounts.models import Account, Role
from jobraker.workers.broker import broker, new_broker
from jobraker.workers.queues import queue_table

from ..api_helpers import PASSWORD
from ..conftest import unique_email
from .test_personal_data import jobraker_url

DELAY_MS = 3_600_000


def browser_for(role: Role, is_staff: bool) -> Client:
    browser = Client()
    browser.force_login(Account.objects.create_user(unique_email(role.value), PASSWORD, role=role, is_staff=is_staff))
    return browser


@pytest.fixture
def failing_queue():
    """A queue whose actor always fails at once (no retries), so every message becomes a dead letter."""
    queue = f"test-ops-{uuid.uuid4().hex[:8]}"
    own = new_broker()  # the page reads Redis through broker(); the worker runs on a broker of its own

    @dramatiq.actor(broker=own, queue_name=queue, max_retries=0, actor_name=f"fails_{queue.replace('-', '_')}")
    def fails(n: int) -> None:
        raise RuntimeError("refused")

    yield queue, fails, own
    broker().flush(queue)
    broker().client.delete(f"{broker().namespace}:{queue}.XQ", f"{broker().namespace}:{queue}.XQ.msgs")


def row(queue: str):  # type: ignore[no-untyped-def]
    return next(r for r in queue_table(broker()) if r.name == queue)


def work_until(own, queue: str, dead: int) -> None:  # type: ignore[no-untyped-def]
    worker = Worker(own, worker_threads=1, worker_timeout=50, queues={queue})
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while row(queue).dead < dead:
            assert time.monotonic() < deadline, row(queue)
            time.sleep(0.1)
    finally:
        worker.stop()


def last_staff_action(jobraker) -> tuple[object, dict]:  # type: ignore[no-untyped-def]
    table = jobraker.recorder.events_table_name
    with psycopg.connect(jobraker_url()) as conn:
        originator = conn.execute(
            f"SELECT originator_id FROM {table} WHERE topic LIKE %s ORDER BY notification_id DESC LIMIT 1",
            ("%StaffAction%",),
        ).fetchone()[0]
    action = jobraker.repository.get(originator)
    return action, jobraker.mapper.metadata_of(jobraker.recorder.select_events(originator)[-1])


def test_queue_table_and_dead_letter_actions(jobraker, failing_queue):
    queue, fails, own = failing_queue
    for n in range(2):
        fails.send(n)
    work_until(own, queue, dead=2)
    fails.send(10)  # waits: no worker now
    for n in range(3):
        fails.send_with_options(args=(20 + n,), delay=DELAY_MS)
    assert (row(queue).ready, row(queue).delayed, row(queue).dead) == (1, 3, 2)

    staff = browser_for(Role.STAFF, is_staff=True)
    page = staff.get("/admin/operations/").content.decode()
    assert re.search(rf"<td>{queue}</td><td>1</td><td>3</td><td>2</td>", page), "queue row missing"
    assert "retry dead letters" in page and "drop dead letters" in page

    url = f"/admin/operations/queues/{queue}/dead-letters/"
    assert Client().post(url, {"action": "retry"}).status_code == 302  # to the admin's login
    assert browser_for(Role.CANDIDATE, is_staff=False).post(url, {"action": "retry"}).status_code == 302
    assert browser_for(Role.AUDITOR, is_staff=True).post(url, {"action": "retry"}).status_code == 403
    assert staff.get(url).status_code == 405
    assert row(queue).dead == 2  # none of those touched anything

    retried = staff.post(url, {"action": "retry"}, follow=True)
    assert "2 dead letter(s) put back on" in retried.content.decode()
    assert (row(queue).ready, row(queue).delayed, row(queue).dead) == (3, 3, 0)
    ready = broker().client.hvals(f"{broker().namespace}:{queue}.msgs")
    assert all("retries" not in Message.decode(body).options for body in ready)  # a fresh set of attempts
    action, metadata = last_staff_action(jobraker)
    assert (action.action, action.target, action.count, action.role) == ("retry_dead_letters", queue, 2, "staff")
    assert metadata["actor"] == "staff"

    work_until(own, queue, dead=3)  # the retried two and the waiting one ran again, and failed again
    dropped = staff.post(url, {"action": "drop"}, follow=True)
    assert "3 dead letter(s) dropped from" in dropped.content.decode()
    assert row(queue).dead == 0 and row(queue).delayed == 3
    action, _ = last_staff_action(jobraker)
    assert (action.action, action.count) == ("drop_dead_letters", 3)

    unknown = staff.post("/admin/operations/queues/no-such-queue/dead-letters/", {"action": "drop"}, follow=True)
    assert "Name a queue and an action" in unknown.content.decode()
    assert "Name a queue and an action" in staff.post(url, {"action": "explode"}, follow=True).content.decode()
