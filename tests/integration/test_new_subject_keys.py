"""A registration's data key is written in the same transaction as its events (no extra
round trip); a key found already stored falls back to the slow path, and an erased subject
still cannot get personal data written again."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED
from jobraker.privacy.keyring import SubjectErased


def key_row(subject: uuid.UUID) -> tuple[bytes | None] | None:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        return conn.execute("SELECT wrapped_key FROM jobraker_subject_keys WHERE subject_id = %s", (subject,)).fetchone()


def new_candidate(candidate_id: uuid.UUID | None = None) -> Candidate:
    return Candidate(
        id=candidate_id or uuid.uuid4(), email=f"k{uuid.uuid4().hex}@example.org", name="Key Holder", password_hash="argon2$x"
    )


def fresh_reader(jobraker):
    """Another process's view: no cached keys, everything read from the database."""
    from jobraker.config import get_settings
    from jobraker.eventstore.app import build_jobraker

    return build_jobraker(get_settings())


def test_registrations_store_their_keys_with_their_events(jobraker):
    candidates = [new_candidate() for _ in range(3)]
    jobraker.save(*candidates)
    reader = fresh_reader(jobraker)
    try:
        for candidate in candidates:
            assert key_row(candidate.id)[0] is not None
            assert reader.get_candidate(candidate.id).name == "Key Holder"
    finally:
        reader.close()


def test_a_failed_save_leaves_no_key_behind(jobraker):
    first = new_candidate()
    jobraker.save(first)
    clash = new_candidate(first.id)  # same stream id: the events insert fails
    other = new_candidate()
    with pytest.raises(IntegrityError):
        jobraker.save(other, clash)
    assert key_row(other.id) is None  # rolled back with the events
    jobraker.save(new_candidate(other.id))  # and the subject can still register afterwards
    assert key_row(other.id)[0] is not None
    assert jobraker.get_candidate(other.id).name == "Key Holder"


def test_a_key_stored_earlier_is_used_not_replaced(jobraker):
    candidate = new_candidate()
    jobraker.mapper.keyring.ensure_keys({candidate.id})  # e.g. left by an earlier failed save
    stored = key_row(candidate.id)[0]
    reader = fresh_reader(jobraker)
    try:
        reader.save(candidate)  # its cache is cold: takes the transaction path, then falls back
        assert key_row(candidate.id)[0] == stored
        assert jobraker.get_candidate(candidate.id).email == candidate.email
    finally:
        reader.close()


def test_an_erased_subject_gets_no_new_key_through_a_new_stream(jobraker):
    candidate = new_candidate()
    jobraker.save(candidate)
    jobraker.mapper.keyring.destroy(candidate.id)
    reader = fresh_reader(jobraker)
    try:
        with pytest.raises(SubjectErased):
            reader.save(new_candidate(candidate.id))
        assert key_row(candidate.id) is None  # deleted at erasure, and no new one made
        assert reader.get_candidate(candidate.id).name is ERASED
    finally:
        reader.close()
