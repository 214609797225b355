"""KEK rotation: every live subject key is re-wrapped under a new random KEK and the old KEKs are
destroyed; a rotation killed (SIGKILL) at random points leaves everyone readable and a rerun
finishes it; a store from before KEKs existed upgrades with its master key as KEK #1."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from jobraker.domain.candidate import Candidate
from jobraker.privacy.keks import EnvironmentKekSource, KekError, Keks, format_keks, new_kek, parse_keks
from jobraker.privacy.keyring import KeyAlreadyStored, Keyring, unwrap
from jobraker.privacy.keystore import DatabaseKeyStore
from jobraker.privacy.models import Kek, SubjectKey
from jobraker.privacy.rotation import rotate_keks, rotation_due

from ..conftest import unique_email

NAME = "Kek Rotation Subject"


def kek_file(jobraker) -> Path:
    return jobraker.keyring.kek_source.path


def file_keks(path: Path) -> dict[int, bytes]:
    return {int(i): base64.b64decode(k) for i, k in json.loads(path.read_text())["keks"].items()}


def fresh_reader():
    """Another process's view: no cached subject keys or KEKs."""
    from jobraker.config import get_settings
    from jobraker.eventstore.app import build_jobraker

    return build_jobraker(get_settings())


def assert_everyone_opens(candidates: list[uuid.UUID]) -> None:
    reader = fresh_reader()
    try:
        for candidate_id in candidates:
            assert reader.get_candidate(candidate_id).name == NAME
    finally:
        reader.close()


def register(jobraker, count: int) -> list[uuid.UUID]:
    return [jobraker.register_candidate(unique_email("kek"), NAME, "h")[0] for _ in range(count)]


def test_rotation_rewraps_every_live_key_and_destroys_the_old_keks(jobraker):
    candidates = register(jobraker, 5)
    path = kek_file(jobraker)
    before = file_keks(path)
    rotation = rotate_keks(jobraker.keyring, jobraker.keyring.kek_source, batch_size=2)

    assert rotation.kek_id not in before
    assert set(before) <= set(rotation.retired)
    assert set(file_keks(path)) == {rotation.kek_id}  # the old KEKs themselves are gone
    assert list(Kek.objects.values_list("id", flat=True)) == [rotation.kek_id]
    assert set(SubjectKey.objects.values_list("kek_id", flat=True)) == {rotation.kek_id}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_everyone_opens(candidates)
    # The writer that still held the old KEKs in memory wraps new keys under the new one.
    newcomer = register(jobraker, 1)[0]
    assert SubjectKey.objects.get(subject_id=newcomer).kek_id == rotation.kek_id
    assert not rotation_due(jobraker.keyring.kek_source)


def test_a_key_wrapped_by_a_destroyed_kek_is_refused_and_the_next_save_uses_the_new_kek(jobraker):
    """A process wrapped a new subject's key just before a rotation destroyed that KEK: the
    INSERT names a KEK number the database no longer has and is refused (nothing unreadable
    is stored); its next save re-reads the KEKs and wraps under the new one."""
    candidate = Candidate(id=uuid.uuid4(), email=unique_email("stale"), name=NAME, password_hash="h")
    writer = fresh_reader()
    try:
        with pytest.raises(KeyAlreadyStored):  # the foreign key refused it; the save fails
            with writer.keyring.keys_for_new_subjects({candidate.id}) as wrapped:
                rotation = rotate_keks(jobraker.keyring, jobraker.keyring.kek_source)
                assert wrapped.kek_id in rotation.retired
                with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
                    writer.keyring.store_new_keys(cursor, wrapped)
        writer.save(candidate)
    finally:
        writer.close()
    assert SubjectKey.objects.get(subject_id=candidate.id).kek_id == rotation.kek_id
    assert_everyone_opens([candidate.id])


KILLS = 8


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_rotation_killed_at_random_points_leaves_every_subject_readable(jobraker):
    rng = random.Random(20261202)
    candidates = register(jobraker, 150)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    rotate = [sys.executable, "-m", "jobraker", "keys", "rotate", "--batch-size", "1"]
    mixed_states = 0
    for kill in range(KILLS):
        keks_before = Kek.objects.count()
        process = subprocess.Popen(rotate, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill % 2:  # anywhere: start-up, mid-rotation or after
            time.sleep(rng.uniform(0.2, 2.5))
        else:  # once the new KEK is numbered: mid-rotation
            deadline = time.monotonic() + 30
            while Kek.objects.count() <= keks_before and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        in_use = set(SubjectKey.objects.filter(subject_id__in=candidates).values_list("kek_id", flat=True))
        mixed_states += len(in_use) > 1 or Kek.objects.count() > 1
        assert_everyone_opens(candidates)  # whatever the kill interrupted

    assert mixed_states, "no kill landed mid-rotation"
    finished = subprocess.run(rotate, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    current = json.loads(kek_file(jobraker).read_text())["current"]
    assert set(file_keks(kek_file(jobraker))) == {current}
    assert list(Kek.objects.values_list("id", flat=True)) == [current]
    assert set(SubjectKey.objects.values_list("kek_id", flat=True)) == {current}
    assert_everyone_opens(candidates)


@pytest.mark.timeout(180)
def test_a_store_from_before_keks_upgrades_with_its_master_key_as_kek_1(tmp_path: Path):
    """Migrate a fresh database only up to the old key table, store a key as the old code did
    (wrapped by the master key, and an erased subject's emptied row), then upgrade and rotate."""
    master = os.urandom(32)
    with _fresh_database() as database_url:
        _upgrade_and_rotate(tmp_path, master, database_url)


def _upgrade_and_rotate(tmp_path: Path, master: bytes, database_url: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
           "DATABASE_URL": database_url, "JOBRAKER_DATA_DIR": str(tmp_path),
           "JOBRAKER_MASTER_KEY": base64.b64encode(master).decode()}

    def jobraker(*arguments: str) -> str:
        done = subprocess.run([sys.executable, "-m", "jobraker", *arguments], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    jobraker("manage", "migrate", "privacy", "0002")
    live, erased, subject_key = uuid.uuid4(), uuid.uuid4(), os.urandom(32)
    nonce = os.urandom(12)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO jobraker_subject_keys VALUES (%s, %s, now(), NULL), (%s, NULL, now(), now())",
                     (live, nonce + AESGCM(master).encrypt(nonce, subject_key, live.bytes), erased))
    jobraker("manage", "migrate")
    assert "current KEK #1" in jobraker("keys", "status")
    assert file_keks(tmp_path / "keks.json") == {1: master}

    jobraker("keys", "rotate")
    keks = file_keks(tmp_path / "keks.json")
    with psycopg.connect(database_url) as conn:
        kek_id, wrapped = conn.execute("SELECT kek_id, wrapped_key FROM jobraker_subject_keys WHERE subject_id = %s", (live,)).fetchone()
        assert conn.execute("SELECT count(*) FROM jobraker_subject_keys WHERE subject_id = %s", (erased,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM jobraker_erased_subjects WHERE subject_id = %s", (erased,)).fetchone()[0] == 1
    assert set(keks) == {kek_id} and kek_id != 1
    assert unwrap(AESGCM(keks[kek_id]), live, bytes(wrapped)) == subject_key
    with pytest.raises(InvalidTag):
        unwrap(AESGCM(master), live, bytes(wrapped))


@contextmanager
def _fresh_database() -> Iterator[str]:
    url = os.environ["DATABASE_URL"]
    name = f"jobraker_upgrade_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database_url = urlsplit(url)._replace(path=f"/{name}").geturl()
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield database_url
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_with_keks_from_the_environment_rotation_adopts_the_newest_and_retires_the_rest(jobraker):
    """Production: the operator added KEK n+1 to JOBRAKER_KEKS; the rotation re-wraps under it and
    names the KEKs to remove from the secret manager. (The session's KEK file gets the same KEK
    first, so the other tests' processes keep reading.)"""
    candidates = register(jobraker, 3)
    file_source = jobraker.keyring.kek_source
    old = file_source.read()
    added_id, added = max(old.keys) + 1, new_kek()
    file_source.add_current(added_id, added)
    environment = EnvironmentKekSource(format_keks(Keks(added_id, {**old.keys, added_id: added})))
    keyring = Keyring(DatabaseKeyStore(), environment)

    rotation = rotate_keks(keyring, environment)

    assert rotation.kek_id == added_id and set(old.keys) <= set(rotation.retired)
    assert set(SubjectKey.objects.values_list("kek_id", flat=True)) == {added_id}
    assert not rotation_due(environment)
    with pytest.raises(KekError):
        environment.add_current(added_id + 1, new_kek())
    assert_everyone_opens(candidates)
    rotate_keks(jobraker.keyring, file_source)  # the session's file drops the retired KEKs
    assert_everyone_opens(candidates)


def test_keys_add_prints_the_variable_with_a_new_kek_and_keeps_the_old_ones():
    current = Keks(3, {2: os.urandom(32), 3: os.urandom(32)})
    env = {**os.environ, "JOBRAKER_KEKS": format_keks(current)}
    done = subprocess.run([sys.executable, "-m", "jobraker", "keys", "add"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    printed = parse_keks(done.stdout.strip())
    assert printed.current == 4 and {i: printed.keys[i] for i in (2, 3)} == current.keys
    assert len(printed.keys[4]) == 32 and printed.keys[4] not in current.keys.values()


@pytest.mark.parametrize("value, message", [
    ("1:not-base64!", "JOBRAKER_KEKS: entry #1 is not base64"),
    ("one:" + base64.b64encode(b"k" * 32).decode(), "JOBRAKER_KEKS: each entry is <number>:<base64 of 32 bytes>"),
    ("1:" + base64.b64encode(b"short").decode(), "JOBRAKER_KEKS: entry #1 is not 32 bytes"),
])
def test_malformed_keks_in_the_environment_stop_start_up_naming_the_variable(tmp_path: Path, value: str, message: str):
    from jobraker.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as error:
        load_settings({"JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_KEKS": value})
    assert str(error.value) == message  # and never the value itself


def test_production_requires_keks_from_the_environment(tmp_path: Path, production_password_cost):
    """Containers share no data folder: each would make its own KEK file."""
    from jobraker.config import ConfigError, load_settings

    secrets = {"JOBRAKER_ENV": "production", "JOBRAKER_DATA_DIR": str(tmp_path),
               "JOBRAKER_SECRET_KEY": "s" * 50, "JOBRAKER_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
               "JOBRAKER_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode()}
    with pytest.raises(ConfigError, match="^JOBRAKER_KEKS is not set"):
        load_settings(secrets)
    kek = base64.b64encode(os.urandom(32)).decode()
    assert load_settings({**secrets, "JOBRAKER_KEKS": f"1:{kek}"}).keks is not None
    assert not (tmp_path / "keks.json").exists()
