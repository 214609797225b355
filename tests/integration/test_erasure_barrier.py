"""Erasure is a barrier and its key stays destroyed:
- a backup of the key table taken before the erasure, with every KEK left after the rotation
  that follows, opens none of the subject's sealed fields (while it did before the rotation);
- a process still holding the subject's key in its cache cannot save anything for them;
- the workers' actors given an erased candidate's message finish: no retry, no dead letter."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jobraker.components import redis_client
from jobraker.domain.notification import notification_id
from jobraker.privacy.erasure import erase_candidate
from jobraker.privacy.keyring import SubjectErased, unwrap
from jobraker.privacy.models import ErasedSubject, SubjectKey
from jobraker.privacy.rotation import rotate_keks, rotation_due
from jobraker.workers.scheduler import rotate_keks_when_due

from ..conftest import unique_email

NAME = "Ottoline Barrier-Vasquez"
SKILL = "Cuneiform transliteration"


def register_with_data(jobraker) -> uuid.UUID:
    candidate_id, _ = jobraker.register_candidate(unique_email("barrier"), NAME, "h")
    jobraker.change_profile(candidate_id, {"skills": [SKILL]})
    return candidate_id


def fresh_reader():
    from jobraker.config import get_settings
    from jobraker.eventstore.app import build_jobraker

    return build_jobraker(get_settings())


def dumped_key_rows() -> dict[str, tuple[int, bytes]]:
    """The key table as a pg_dump backup holds it: subject id → (KEK id, wrapped key)."""
    import pgserver

    binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    command = [str(binary) if binary.exists() else shutil.which("pg_dump"), "--dbname", os.environ["DATABASE_URL"],
               "--data-only", "--table", "jobraker_subject_keys"]
    dump = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout
    lines = iter(dump.splitlines())
    header = next(line for line in lines if line.startswith("COPY "))
    columns = [c.strip() for c in header[header.index("(") + 1 : header.index(")")].split(",")]
    rows = {}
    for line in lines:
        if line == "\\.":
            break
        row = dict(zip(columns, line.split("\t")))
        rows[row["subject_id"]] = (int(row["kek_id"]), bytes.fromhex(row["wrapped_key"].removeprefix("\\\\x")))
    return rows


def sealed_fields(jobraker, subject: uuid.UUID) -> list[tuple[str, bytes]]:
    """Every sealed field stored for the subject: (field name, nonce + ciphertext)."""
    table = jobraker.recorder.events_table_name
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        states = conn.execute(f"SELECT state FROM {table} WHERE position(%s::bytea in state) > 0",
                              (str(subject).encode(),)).fetchall()
    found = []
    for (state,) in states:
        document = json.loads(bytes(state))
        if document.get("__subject__") == str(subject):
            found += [(name, base64.b64decode(value["__sealed__"])) for name, value in document.items()
                      if isinstance(value, dict) and "__sealed__" in value]
    return found


def open_all(subject: uuid.UUID, subject_key: bytes, fields: list[tuple[str, bytes]]) -> str:
    cipher = AESGCM(subject_key)
    return " ".join(cipher.decrypt(raw[:12], raw[12:], subject.bytes + name.encode()).decode() for name, raw in fields)


def test_a_key_backed_up_before_erasure_opens_nothing_once_the_keks_rotated(jobraker, settings_master_key):
    rotate_keks(jobraker.keyring, jobraker.keyring.kek_source)
    assert not rotation_due(jobraker.keyring.kek_source)
    candidate_id = register_with_data(jobraker)
    backup = dumped_key_rows()[str(candidate_id)]
    keks_in_backup_era = json.loads(jobraker.keyring.kek_source.path.read_text())["keks"]

    erase_candidate(jobraker, candidate_id, by="candidate")
    assert not SubjectKey.objects.filter(subject_id=candidate_id).exists()  # deleted, not emptied
    assert ErasedSubject.objects.filter(subject_id=candidate_id).exists()
    assert rotation_due(jobraker.keyring.kek_source)  # the erasure calls for a rotation
    fields = sealed_fields(jobraker, candidate_id)
    assert len(fields) >= 2

    # Positive control: with the KEK of that time, the backup opens every sealed field.
    old_kek = AESGCM(base64.b64decode(keks_in_backup_era[str(backup[0])]))
    plaintext = open_all(candidate_id, unwrap(old_kek, candidate_id, backup[1]), fields)
    assert NAME in plaintext and SKILL in plaintext

    kek_before = jobraker.keyring.kek_source.read().current
    rotate_keks_when_due()  # the scheduler's job, run every minute
    assert jobraker.keyring.kek_source.read().current != kek_before
    assert not rotation_due(jobraker.keyring.kek_source)
    remaining = [base64.b64decode(k) for k in json.loads(jobraker.keyring.kek_source.path.read_text())["keks"].values()]
    for kek in [*remaining, settings_master_key]:
        with pytest.raises(InvalidTag):
            unwrap(AESGCM(kek), candidate_id, backup[1])


@pytest.fixture
def settings_master_key() -> bytes:
    from jobraker.config import get_settings

    return get_settings().master_key_bytes


def events_naming(jobraker, subject: uuid.UUID, after: int) -> int:
    table = jobraker.recorder.events_table_name
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE notification_id > %s AND position(%s::bytea in state) > 0",
                            (after, str(subject).encode())).fetchone()[0]


def test_a_worker_holding_a_cached_key_cannot_save_for_an_erased_subject(jobraker):
    candidate_id = register_with_data(jobraker)
    worker = fresh_reader()
    try:
        assert worker.get_candidate(candidate_id).name == NAME  # its cache now holds the key
        position = erase_candidate(jobraker, candidate_id, by="candidate")
        with pytest.raises(SubjectErased):
            worker.send_notification(f"barrier:{candidate_id}", candidate_id, "application_status", "Sealed too late")
        assert events_naming(jobraker, candidate_id, after=position) == 0
        # And without a cached key: no new key is made for them.
        with pytest.raises(SubjectErased):
            jobraker.send_notification(f"barrier2:{candidate_id}", candidate_id, "application_status", "Again")
        assert not SubjectKey.objects.filter(subject_id=candidate_id).exists()
    finally:
        worker.close()


def held_by_redis(queue: str, message_id: str) -> list[str]:
    """Where Redis still holds the message: queued or running (``.msgs``), waiting for a retry
    (``.DQ.msgs``, under a new Redis id) or dead (``.XQ.msgs``). Done: nowhere."""
    client = redis_client()
    return [key for key in (f"dramatiq:{queue}.msgs", f"dramatiq:{queue}.DQ.msgs", f"dramatiq:{queue}.XQ.msgs")
            if any(message_id.encode() in data for data in client.hvals(key))]


def wait_processed(queue: str, message_id: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while f"dramatiq:{queue}.msgs" in held_by_redis(queue, message_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"dramatiq:{queue}.msgs" not in held_by_redis(queue, message_id), "the message was never processed"


def assert_no_retry_and_no_dead_letter(queue: str, message_id: str) -> None:
    time.sleep(1.0)  # a retry is put in the delay queue before the failed try is acknowledged
    assert held_by_redis(queue, message_id) == []
    assert redis_client().zscore(f"dramatiq:{queue}.XQ", message_id) is None


@pytest.mark.timeout(120)
def test_notification_actors_finish_an_erased_candidates_messages_without_retry(jobraker, dramatiq_worker):
    from jobraker.workers.actors import email_notification, notify_application_change

    candidate_id = register_with_data(jobraker)
    job_id, _ = jobraker.post_job(source="barrier", external_id=unique_email(), title="Archivist", company="Ur")
    application_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    version = jobraker.get_application(application_id).version
    cause = f"before-erasure:{candidate_id}"
    jobraker.send_notification(cause, candidate_id, "application_status", "Sent before the erasure")
    position = erase_candidate(jobraker, candidate_id, by="candidate")

    messages = [
        notify_application_change.send(str(application_id), version, "corr-barrier"),
        email_notification.send(str(notification_id(cause)), "corr-barrier"),
    ]
    for message in messages:
        wait_processed(message.queue_name, message.message_id)
    for message in messages:
        assert_no_retry_and_no_dead_letter(message.queue_name, message.message_id)
    assert events_naming(jobraker, candidate_id, after=position) == 0


def test_a_skyvern_outcome_for_an_erased_candidate_is_accepted_and_records_nothing(jobraker):
    """The run was under way when the candidate was erased: the webhook (and the poll of silent
    runs) must not fail — Skyvern would retry it forever — and must store nothing for them."""
    from jobraker.appliers.skyvern import SkyvernRun
    from jobraker.appliers.webhooks import record_outcome

    from ..fakes.skyvern_server import FakeSkyvern
    from .test_submission_verification import _sent

    with FakeSkyvern() as skyvern:
        application_id, run_id = _sent(jobraker, skyvern)
        candidate_id = jobraker.get_application(application_id).candidate_id
        position = erase_candidate(jobraker, candidate_id, by="candidate")
        run = SkyvernRun.model_validate(skyvern.run_body(run_id, "completed", output={"confirmation_number": "A-1"}))
        # Erasure deleted the run's link to the application (privacy/leftovers.py), so the run
        # is unknown; either way the answer is not an error Skyvern would retry.
        assert record_outcome(jobraker, run) == "unknown run"
    assert events_naming(jobraker, candidate_id, after=position) == 0
