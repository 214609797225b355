"""Sealing what older versions stored in plaintext (`jobraker privacy migrate`).

Before issue 12, some personal fields were stored as plain JSON (``Application.Started``'s
explanation: the candidate's matched and missing skills). The mapper still opens such
events — it opens only values in the ``{"__sealed__": …}`` form — but their plaintext
outlives any erasure. Events are immutable to the application, so this is a copy-and-replace
of the affected rows, run once by an operator (at a quiet time: writers wait while it runs):

- every stored event whose class declares personal fields is read; each personal field not
  in sealed form is sealed under its subject's key (a subject already erased gets random
  bytes in its place, which open to ``ERASED`` like any field whose key is gone);
- the rows are rewritten in one transaction under an exclusive lock on the events table,
  and the hash chain is recomputed from the first rewritten row in the same transaction;
  the rewrite is recorded (``jobraker_chain_rewrites``: the old head digest, the new one
  and every rewritten notification id), so an auditor who kept the old head can tell a
  recorded migration from tampering;
- the events table is vacuumed afterwards so the old row versions leave the table file.
  Old WAL segments and backups still hold the plaintext until they are recycled or
  destroyed: see docs/security.md "Upgrading a store written before issue 12".
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.utils import TopicError, resolve_topic
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from jobraker.audit.chain import GENESIS, extend
from jobraker.domain.personal import personal_fields
from jobraker.eventstore.app import EncryptedJobraker
from jobraker.eventstore.mapper import SEALED, SUBJECT
from jobraker.privacy.keyring import NONCE_BYTES, SubjectErased

BATCH = 500
AES_GCM_TAG_BYTES = 16


@dataclass
class Migration:
    scanned: int = 0
    rewritten: list[int] = field(default_factory=list)
    erased_subjects: set[UUID] = field(default_factory=set)
    unknown_topics: list[str] = field(default_factory=list)
    old_head: str = GENESIS
    new_head: str = GENESIS


def migrate_plaintext(jobraker: EncryptedJobraker, progress: Callable[[int, int], None] | None = None) -> Migration:
    """Seal every personal field stored in plaintext; returns what was done."""
    table = jobraker.recorder.events_table_name  # type: ignore[attr-defined]
    migration = Migration()
    with jobraker.recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cursor:  # type: ignore[attr-defined]
        # Writers wait; readers (projector, API) may go on reading the rows being replaced.
        cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(table)))
        cursor.execute("LOCK TABLE jobraker_event_chain IN EXCLUSIVE MODE")
        topics = _topics_with_personal_fields(cursor, table, migration)
        total = _count(cursor, table, topics)
        after = 0
        while rows := _next_rows(cursor, table, topics, after):
            for notification_id, originator_id, topic, state in rows:
                rewritten = _sealed_state(jobraker, resolve_topic(topic), originator_id, bytes(state), migration)
                if rewritten is not None:
                    cursor.execute(sql.SQL("UPDATE {} SET state = %s WHERE notification_id = %s").format(
                        sql.Identifier(table)), (rewritten, notification_id))
                    migration.rewritten.append(notification_id)
            migration.scanned += len(rows)
            after = rows[-1][0]
            if progress:
                progress(migration.scanned, total)
        if migration.rewritten:
            _rechain(cursor, table, migration)
    return migration


def _topics_with_personal_fields(cursor: Any, table: str, migration: Migration) -> list[str]:
    cursor.execute(sql.SQL("SELECT DISTINCT topic FROM {}").format(sql.Identifier(table)))
    topics = []
    for (topic,) in cursor.fetchall():
        try:
            cls = resolve_topic(topic)
        except TopicError:  # no class of this version stores it: nothing here knows its fields
            migration.unknown_topics.append(topic)
            continue
        if personal_fields(cls):
            topics.append(topic)
    return topics


def _count(cursor: Any, table: str, topics: list[str]) -> int:
    cursor.execute(sql.SQL("SELECT count(*) FROM {} WHERE topic = ANY(%s)").format(sql.Identifier(table)), (topics,))
    return int(cursor.fetchone()[0])


def _next_rows(cursor: Any, table: str, topics: list[str], after: int) -> list[tuple[int, Any, str, bytes]]:
    cursor.execute(sql.SQL(
        "SELECT notification_id, originator_id, topic, state FROM {} "
        "WHERE topic = ANY(%s) AND notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(table)), (topics, after, BATCH))
    return list(cursor.fetchall())


def _sealed_state(
    jobraker: EncryptedJobraker, cls: type, originator_id: Any, state_bytes: bytes, migration: Migration
) -> bytes | None:
    """The row's state with its plaintext personal fields sealed, or None when none were plaintext."""
    transcoder = jobraker.mapper.transcoder
    state: dict[str, Any] = transcoder.decode(state_bytes)
    plaintext = [name for name in personal_fields(cls) if name in state and not _is_sealed(state[name])]
    if not plaintext:
        return None
    subject = UUID(str(state.get(SUBJECT) or state.get(getattr(cls, "data_subject_field", ""), originator_id)))
    encoded = {name: transcoder.encode(state[name]) for name in plaintext}
    try:
        sealed = jobraker.keyring.seal_fields(subject, encoded)
    except SubjectErased:
        migration.erased_subjects.add(subject)
        sealed = {name: _unopenable(len(value)) for name, value in encoded.items()}
    for name in plaintext:
        state[name] = {SEALED: sealed[name]}
    state[SUBJECT] = str(subject)
    return transcoder.encode(state)


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and SEALED in value


def _unopenable(length: int) -> str:
    """Bytes shaped like a sealed value that no key opens (the subject's key is gone already)."""
    return base64.b64encode(os.urandom(NONCE_BYTES + length + AES_GCM_TAG_BYTES)).decode("ascii")


def _rechain(cursor: Any, table: str, migration: Migration) -> None:
    """Recompute the chain from the first rewritten row and record the rewrite beside it."""
    cursor.execute("SELECT digest FROM jobraker_event_chain ORDER BY notification_id DESC LIMIT 1")
    head = cursor.fetchone()
    migration.old_head = head[0] if head else GENESIS
    cursor.execute("DELETE FROM jobraker_event_chain WHERE notification_id >= %s", (min(migration.rewritten),))
    while extend(cursor, table):
        pass
    cursor.execute("SELECT digest FROM jobraker_event_chain ORDER BY notification_id DESC LIMIT 1")
    migration.new_head = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO jobraker_chain_rewrites (at, reason, old_head, new_head, rewritten) "
        "VALUES (now(), %s, %s, %s, %s)",
        ("privacy migrate: plaintext personal fields sealed", migration.old_head, migration.new_head,
         Jsonb(migration.rewritten)),
    )
