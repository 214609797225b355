"""KEK rotation: a new random KEK, every live subject key re-wrapped under it, the old KEKs destroyed.

After it, a subject key that was destroyed (erasure) but survives wrapped somewhere — an old row
version in the table file, a WAL segment, a backup — opens with no KEK that still exists.

The order keeps every live subject readable wherever the process is killed:
1. the new KEK's number goes into the database, then the KEK into its source, durably, before
   anything is wrapped with it (killed in between: a number no key uses, retired next time);
2. keys are re-wrapped in batches, each row recording the KEK that now wraps it (a killed batch
   rolls back; the rest stay readable under the old KEK, which still exists);
3. an old KEK's number is deleted only when no key row references it — the foreign key refuses
   otherwise, e.g. when a process still wrapping with it registered someone meanwhile, and a new
   key wrapped by a deleted number is refused at its INSERT; only then is the KEK itself destroyed.
A rerun starts over with another new KEK and finishes what a killed run left.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jobraker.privacy.keks import KekSource, new_kek
from jobraker.privacy.keyring import Keyring
from jobraker.privacy.keystore import KEYS, TOMBSTONES
from jobraker.privacy.models import ErasedSubject, Kek

log = structlog.get_logger(__name__)

# Any constant: only one rotation runs at a time, across processes.
ROTATION_LOCK = 0x6A6B656B726F7431  # "jkekrot1"
ROTATE_EVERY = timedelta(days=1)
RETIRE_ATTEMPTS = 10

SELECT_BATCH = (
    f"SELECT subject_id, kek_id, wrapped_key FROM {KEYS} WHERE kek_id <> %s AND subject_id > %s "
    "ORDER BY subject_id LIMIT %s FOR NO KEY UPDATE"  # does not wait for saves' FOR KEY SHARE
)
UPDATE_BATCH = (
    f"UPDATE {KEYS} AS k SET wrapped_key = new.wrapped_key, kek_id = %s "
    "FROM unnest(%s::uuid[], %s::bytea[]) AS new (subject_id, wrapped_key) WHERE k.subject_id = new.subject_id"
)
NIL = "00000000-0000-0000-0000-000000000000"


class RotationIncomplete(RuntimeError):
    """Old KEKs stayed referenced after every attempt; they are kept, and the next run retries."""


@dataclass
class Rotation:
    kek_id: int
    rewrapped: int = 0
    purged: int = 0
    retired: list[int] = field(default_factory=list)


def rotate_keks(keyring: Keyring, source: KekSource, batch_size: int = 500) -> Rotation | None:
    """Rotate now; None when another process is rotating."""
    with _only_rotation() as alone:
        if not alone:
            return None
        rotation = Rotation(kek_id=_adopt_new_kek(source))
        keyring.reload_keks()
        rotation.purged = _purge_erased_keys()
        for _ in range(RETIRE_ATTEMPTS):
            rotation.rewrapped += _rewrap_all(keyring, rotation.kek_id, batch_size)
            rotation.retired += _retire_all_but(rotation.kek_id)
            if not Kek.objects.exclude(id=rotation.kek_id).exists():
                break
        else:
            raise RotationIncomplete("keys wrapped by old KEKs kept appearing; the old KEKs are kept")
        if source.writable:
            source.keep_only({rotation.kek_id})  # the KEKs themselves go only now
        with connection.cursor() as cursor:  # dead row versions of the keys table, which held old wraps
            cursor.execute(f"VACUUM {KEYS}")
        log.info("keks_rotated", kek_id=rotation.kek_id, rewrapped=rotation.rewrapped,
                 retired=rotation.retired, purged=rotation.purged)
        return rotation


def rotation_due(source: KekSource, now: datetime | None = None) -> bool:
    """Daily, at once after an erasure, and whenever keys are wrapped by a KEK other than the current."""
    current = Kek.objects.order_by("-id").first()
    if current is None or Kek.objects.count() > 1:
        return True
    if not source.writable:
        return source.read().current != current.id
    now = now or timezone.now()
    return current.created_at <= now - ROTATE_EVERY or ErasedSubject.objects.filter(erased_at__gte=current.created_at).exists()


def _adopt_new_kek(source: KekSource) -> int:
    if not source.writable:  # the operator put the new KEK in JOBRAKER_KEKS
        kek_id = source.read().current
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO jobraker_keks (id, created_at) VALUES (%s, clock_timestamp()) "
                           "ON CONFLICT DO NOTHING", (kek_id,))
        return kek_id
    known = set(Kek.objects.values_list("id", flat=True)) | set(source.read().keys)
    kek_id = max(known) + 1
    with connection.cursor() as cursor:  # the database's clock, as the tombstones' (rotation_due)
        cursor.execute("INSERT INTO jobraker_keks (id, created_at) VALUES (%s, clock_timestamp())", (kek_id,))
    source.add_current(kek_id, new_kek())
    return kek_id


def _purge_erased_keys() -> int:
    """A key row made for an erased subject by a save that raced the erasure (it was refused)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {KEYS} k USING {TOMBSTONES} t WHERE t.subject_id = k.subject_id")
        return cursor.rowcount


def _rewrap_all(keyring: Keyring, kek_id: int, batch_size: int) -> int:
    rewrapped, after = 0, NIL
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SELECT_BATCH, (kek_id, after, batch_size))
            rows = cursor.fetchall()
            if not rows:
                return rewrapped
            subjects = [subject for subject, _, _ in rows]
            wrapped = [keyring.rewrap(subject, (old, bytes(key)), kek_id) for subject, old, key in rows]
            cursor.execute(UPDATE_BATCH, (kek_id, subjects, wrapped))
        rewrapped += len(rows)
        after = str(subjects[-1])


def _retire_all_but(kek_id: int) -> list[int]:
    retired = []
    for old in Kek.objects.exclude(id=kek_id).values_list("id", flat=True):
        try:
            with transaction.atomic():
                Kek.objects.filter(id=old).delete()
        except IntegrityError:  # still referenced (a key wrapped by it meanwhile): re-wrap again
            continue
        retired.append(old)
    return retired


@contextmanager
def _only_rotation() -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (ROTATION_LOCK,))
        alone = bool(cursor.fetchone()[0])
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", (ROTATION_LOCK,))
