"""The hash chain over the stored event rows (their bytes as stored, so crypto-shredding —
which deletes keys, not rows — never breaks it).

``link(previous, row) = sha256(previous ‖ notification id ‖ originator id ‖ version ‖ topic ‖ state)``.
``verify`` recomputes the chain from the first row and names each event that was altered,
removed or moved, whoever changed the table behind the application's back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from psycopg import sql

GENESIS = "0" * 64


def link(previous: str, notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> str:
    digest = hashlib.sha256(previous.encode())
    digest.update(f"|{notification_id}|{originator_id}|{version}|{topic}|".encode())
    digest.update(bytes(state))
    return digest.hexdigest()


@dataclass
class Problem:
    notification_id: int
    kind: str  # "altered or moved", "removed", "unchained"

    def __str__(self) -> str:
        return f"event {self.notification_id}: {self.kind}"


def extend(cursor: Any, events_table: str, batch: int = 1000) -> int:
    """Chain the rows not chained yet; returns how many were added. Runs in the caller's transaction."""
    cursor.execute("SELECT notification_id, digest FROM jobraker_event_chain ORDER BY notification_id DESC LIMIT 1")
    last = cursor.fetchone()
    position, previous = (last[0], last[1]) if last else (0, GENESIS)
    cursor.execute(
        sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT %s").format(sql.Identifier(events_table)),
        (position, batch),
    )
    links = []
    for notification_id, originator_id, version, topic, state in cursor.fetchall():
        previous = link(previous, notification_id, originator_id, version, topic, state)
        links.append((notification_id, previous))
    if links:
        cursor.executemany("INSERT INTO jobraker_event_chain (notification_id, digest) VALUES (%s, %s)", links)
    return len(links)


def verify(cursor: Any, events_table: str) -> tuple[int, list[Problem]]:
    """Walk events and chain together; return how many links held and what did not."""
    cursor.execute("SELECT notification_id, digest FROM jobraker_event_chain ORDER BY notification_id")
    chain = cursor.fetchall()
    cursor.execute(
        sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
                "WHERE notification_id <= %s ORDER BY notification_id").format(sql.Identifier(events_table)),
        (chain[-1][0] if chain else 0,),
    )
    rows = {row[0]: row for row in cursor.fetchall()}
    problems: list[Problem] = []
    previous = GENESIS
    for notification_id, stored_digest in chain:
        row = rows.pop(notification_id, None)
        if row is None:
            problems.append(Problem(notification_id, "removed"))
            previous = stored_digest  # carry on from the recorded link to find further damage
            continue
        recomputed = link(previous, *row)
        if recomputed != stored_digest:
            problems.append(Problem(notification_id, "altered or moved"))
        previous = stored_digest
    problems.extend(Problem(n, "unchained (inserted behind the chain)") for n in sorted(rows))
    return len(chain) - len(problems), problems


def extend_chain() -> int:
    """Chain every stored event not chained yet (the projector does this after each catch-up)."""
    from django.db import connection, transaction

    from jobraker.eventstore.app import get_jobraker

    table = get_jobraker().recorder.events_table_name  # type: ignore[attr-defined]
    added = total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE jobraker_event_chain IN EXCLUSIVE MODE")
        while True:
            added = extend(cursor.cursor, table)
            total += added
            if not added:
                return total
