"""Per-candidate data keys: AES-256-GCM, stored wrapped by a numbered key-encryption key (KEK).

Destroying a candidate's key makes every copy of their encrypted personal data unreadable;
rotating the KEKs afterwards (privacy/rotation.py) makes the wrapped key left in old row
versions, the WAL and backups unopenable too.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jobraker.privacy.keks import KekError, Keks, KekSource

NONCE_BYTES = 12
KEY_BYTES = 32  # AES-256


class SubjectErased(Exception):
    """The subject's key was destroyed: no personal data can be written for them again."""


StoredKey = tuple[int, bytes]  # (KEK id, wrapped key)


class KeyStore(Protocol):
    def load(self, subject: UUID) -> StoredKey | None:
        """The wrapped key and its KEK, or None if there is none (never made, or destroyed)."""

    def load_or_insert(self, new_keys: dict[UUID, bytes], kek_id: int) -> dict[UUID, StoredKey | None]:
        """Store the wrapped keys of subjects that have none and were never erased; return what
        is stored for each (None for an erased subject). KekRetired if ``kek_id`` is gone."""

    def insert_new(self, cursor: Any, new_keys: dict[UUID, bytes], kek_id: int) -> None:
        """Store the wrapped keys in the caller's transaction; raise KeyAlreadyStored if any
        subject already has a key row (or the KEK was retired), SubjectErased if one was erased."""

    def require_live(self, cursor: Any, subjects: set[UUID]) -> None:
        """In the caller's transaction: SubjectErased unless every subject's key row exists."""

    def destroy_in(self, cursor: Any, subject: UUID) -> None: ...

    def destroy(self, subject: UUID) -> None: ...


class KeyAlreadyStored(Exception):
    """A key meant for a new subject found one already stored: the save is retried the slow way."""


class KekRetired(Exception):
    """A rotation destroyed the KEK a new key was wrapped with (after re-reading the KEKs, retry)."""


class WrappedKeys(dict[UUID, bytes]):
    """New subjects' wrapped keys, and the number of the KEK that wrapped them."""

    kek_id: int = 0  # none yet


class Keyring:
    """Seals and opens personal fields with the data key of their subject."""

    def __init__(self, store: KeyStore, keks: KekSource, cache_seconds: float = 10.0):
        self._store = store
        self.kek_source = keks
        self._keks: Keks | None = None  # read on first use: the first read may create the KEK file
        self._kek_ciphers: dict[int, AESGCM] = {}
        # The ready cipher of each key, not just its bytes: building one costs more than a seal.
        self._cache: dict[UUID, tuple[float, AESGCM]] = {}
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._unsaved = threading.local()  # this thread's keys for subjects whose first events are being saved

    def seal(self, subject: UUID, field: str, plaintext: bytes) -> str:
        return self.seal_fields(subject, {field: plaintext})[field]

    def seal_fields(self, subject: UUID, plaintexts: dict[str, bytes]) -> dict[str, str]:
        """Seal several fields of one subject: one key lookup, and every field's random nonce
        from one read of the OS's random source. Each as base64 text."""
        return {field: binascii.b2a_base64(ciphertext, newline=False).decode("ascii")  # = base64.b64encode
                for field, ciphertext in self._seal_raw(subject, plaintexts).items()}

    def seal_bytes(self, subject: UUID, field: str, plaintext: bytes) -> bytes:
        """As ``seal``, as bytes (nonce + ciphertext) for a bytea column: nothing to decode on read."""
        return self._seal_raw(subject, {field: plaintext})[field]

    def _seal_raw(self, subject: UUID, plaintexts: dict[str, bytes]) -> dict[str, bytes]:
        key = self._unsaved_key(subject) or self._key(subject)
        if key is None:
            self.ensure_keys({subject})
            key = self._cached(subject)
        if key is None:
            raise SubjectErased(subject)
        randomness = os.urandom(NONCE_BYTES * len(plaintexts))
        subject_bytes = subject.bytes
        sealed = {}
        for i, (field, plaintext) in enumerate(plaintexts.items()):
            nonce = randomness[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            sealed[field] = nonce + key.encrypt(nonce, plaintext, subject_bytes + field.encode())  # = _aad(subject, field)
        return sealed

    def open(self, subject: UUID, field: str, sealed: str) -> bytes | None:
        """The plaintext, or None when the subject's key has been destroyed."""
        return self.open_bytes(subject, field, base64.b64decode(sealed))

    def open_bytes(self, subject: UUID, field: str, raw: bytes) -> bytes | None:
        """``open`` for a value sealed by ``seal_bytes``."""
        key = self._key(subject)
        if key is None:
            return None
        return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(subject, field))

    def ensure_keys(self, subjects: set[UUID]) -> None:
        """Make sure each subject has a key (one round trip for all); erased subjects get none."""
        missing = [subject for subject in subjects if self._cached(subject) is None]
        if not missing:
            return
        try:
            stored = self._load_or_insert(missing)
        except KekRetired:  # a rotation finished between reading the KEKs and inserting
            self.reload_keks()
            stored = self._load_or_insert(missing)
        for subject, row in stored.items():
            if row is not None:
                self._remember(subject, self._unwrap(subject, *row))

    def _load_or_insert(self, subjects: list[UUID]) -> dict[UUID, StoredKey | None]:
        kek_id, kek = self._current_kek()
        new_keys = {subject: _wrap(kek, subject, AESGCM.generate_key(256)) for subject in subjects}
        return self._store.load_or_insert(new_keys, kek_id)

    @contextmanager
    def keys_for_new_subjects(self, subjects: set[UUID]) -> Iterator[WrappedKeys]:
        """Fresh keys for subjects whose first events this thread is saving, without a round trip.

        Yields the wrapped keys, which the caller stores in the same transaction as the events
        (``store_new_keys``). Sealing uses them at once; other threads see them only after the
        block ends without error (committed). If a subject turns out to have a key already, the
        store raises KeyAlreadyStored, the transaction rolls back and nothing is cached."""
        new = [subject for subject in subjects if self._cached(subject) is None]
        if not new:  # most saves: no KEK needed
            yield WrappedKeys()
            return
        kek_id, kek = self._current_kek()
        # Every new key and its wrapping nonce from one read of the OS's random source
        # (what AESGCM.generate_key(256) and _wrap would each read on their own).
        randomness = os.urandom(len(new) * (KEY_BYTES + NONCE_BYTES))
        fresh, wrapped = {}, WrappedKeys()
        wrapped.kek_id = kek_id
        for i, subject in enumerate(new):
            offset = i * (KEY_BYTES + NONCE_BYTES)
            key, nonce = randomness[offset : offset + KEY_BYTES], randomness[offset + KEY_BYTES : offset + KEY_BYTES + NONCE_BYTES]
            fresh[subject] = AESGCM(key)
            wrapped[subject] = nonce + kek.encrypt(nonce, key, subject.bytes)  # = _wrap(kek, subject, key)
        self._unsaved.keys = fresh
        try:
            yield wrapped
            for subject, cipher in self._unsaved.keys.items():
                self._remember_cipher(subject, cipher)
        finally:
            self._unsaved.keys = {}

    def store_new_keys(self, cursor: Any, wrapped: WrappedKeys) -> None:
        self._store.insert_new(cursor, wrapped, wrapped.kek_id)

    def require_live(self, cursor: Any, subjects: set[UUID]) -> None:
        """The erasure barrier, in the save's transaction: a cached key proves nothing."""
        if subjects:
            self._store.require_live(cursor, subjects)

    def destroy_in(self, cursor: Any, subject: UUID) -> None:
        """Erase in the caller's transaction (with the ErasureCompleted event); ``forget`` after."""
        self._store.destroy_in(cursor, subject)

    def destroy(self, subject: UUID) -> None:
        self._store.destroy(subject)
        self.forget(subject)

    def learn(self, subject: UUID, stored: StoredKey) -> None:
        """A key row the caller read in the same statement as the data it opens: one round trip
        instead of two for a reader whose key is not cached (most, with many candidates)."""
        if self._cached(subject) is None:
            self._remember(subject, self._unwrap(subject, *stored))

    def forget(self, subject: UUID) -> None:
        with self._lock:
            self._cache.pop(subject, None)

    def rewrap(self, subject: UUID, stored: StoredKey, to_kek: int) -> bytes:
        """The subject's key wrapped by KEK ``to_kek`` instead (for a rotation)."""
        key = self._unwrap(subject, *stored)
        return _wrap(self._kek_cipher(to_kek), subject, key)

    def reload_keks(self) -> Keks:
        keks = self.kek_source.read()
        with self._lock:
            self._keks, self._kek_ciphers = keks, {kek_id: AESGCM(key) for kek_id, key in keks.keys.items()}
        return keks

    def _current_kek(self) -> tuple[int, AESGCM]:
        """The KEK new keys are wrapped with, re-read when another process rotated (a stat call)."""
        keks = self._keks
        if keks is None or self.kek_source.changed():
            keks = self.reload_keks()
        return keks.current, self._kek_ciphers[keks.current]

    def _kek_cipher(self, kek_id: int) -> AESGCM:
        cipher = self._kek_ciphers.get(kek_id)
        if cipher is None:  # rotated since we last read the KEKs
            self.reload_keks()
            cipher = self._kek_ciphers.get(kek_id)
        if cipher is None:
            raise KekError(f"KEK #{kek_id} is not available: was the KEK file or JOBRAKER_KEKS replaced?")
        return cipher

    def _unsaved_key(self, subject: UUID) -> AESGCM | None:
        return getattr(self._unsaved, "keys", {}).get(subject)

    def _key(self, subject: UUID) -> AESGCM | None:
        key = self._cached(subject)
        if key is not None:
            return key
        stored = self._store.load(subject)
        if stored is None:
            return None
        return self._remember(subject, self._unwrap(subject, *stored))

    def _cached(self, subject: UUID) -> AESGCM | None:
        with self._lock:
            cached = self._cache.get(subject)
        if cached and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        return None

    def _remember(self, subject: UUID, key: bytes) -> AESGCM:
        return self._remember_cipher(subject, AESGCM(key))

    def _remember_cipher(self, subject: UUID, cipher: AESGCM) -> AESGCM:
        with self._lock:
            self._cache[subject] = (time.monotonic(), cipher)
        return cipher

    def _unwrap(self, subject: UUID, kek_id: int, wrapped: bytes) -> bytes:
        try:
            return unwrap(self._kek_cipher(kek_id), subject, wrapped)
        except InvalidTag:
            raise KekError(f"data key of {subject} does not open with KEK #{kek_id}: wrong KEK?") from None


def _wrap(kek: AESGCM, subject: UUID, key: bytes) -> bytes:
    # The subject's id as associated data: a wrapped key cannot be moved to another subject.
    nonce = os.urandom(NONCE_BYTES)
    return nonce + kek.encrypt(nonce, key, subject.bytes)


def unwrap(kek: AESGCM, subject: UUID, wrapped: bytes) -> bytes:
    """The subject's key; InvalidTag if ``kek`` did not wrap it."""
    return kek.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], subject.bytes)


def _aad(subject: UUID, field: str) -> bytes:
    # Binding subject and field stops a sealed value being moved to another candidate or field.
    return subject.bytes + field.encode()
