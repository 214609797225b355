"""Per-candidate data keys: AES-256-GCM, stored wrapped by the master key.

Destroying a candidate's key makes every copy of their encrypted personal data
unreadable at once, in the event store and in backups alike.
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

NONCE_BYTES = 12
KEY_BYTES = 32  # AES-256


class SubjectErased(Exception):
    """The subject's key was destroyed: no personal data can be written for them again."""


class KeyStore(Protocol):
    def load(self, subject: UUID) -> bytes | None:
        """The wrapped key, or None if there is none (never made, or destroyed)."""

    def load_or_insert(self, new_keys: dict[UUID, bytes]) -> dict[UUID, bytes | None]:
        """Store the wrapped keys of subjects that have none; return what is stored for each
        (None for a subject whose key was destroyed)."""

    def insert_new(self, cursor: Any, new_keys: dict[UUID, bytes]) -> None:
        """Store the wrapped keys in the caller's transaction; raise KeyAlreadyStored if any
        subject already has a key row (live or destroyed)."""

    def destroy(self, subject: UUID) -> None: ...


class KeyAlreadyStored(Exception):
    """A key meant for a new subject found one already stored: the save is retried the slow way."""


class Keyring:
    """Seals and opens personal fields with the data key of their subject."""

    def __init__(self, store: KeyStore, master_key: bytes, cache_seconds: float = 10.0):
        self._store = store
        self._master = AESGCM(master_key)
        # The ready cipher of each key, not just its bytes: building one costs more than a seal.
        self._cache: dict[UUID, tuple[float, AESGCM]] = {}
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._unsaved = threading.local()  # this thread's keys for subjects whose first events are being saved

    def seal(self, subject: UUID, field: str, plaintext: bytes) -> str:
        return self.seal_fields(subject, {field: plaintext})[field]

    def seal_fields(self, subject: UUID, plaintexts: dict[str, bytes]) -> dict[str, str]:
        """Seal several fields of one subject: one key lookup, and every field's random nonce
        from one read of the OS's random source."""
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
            ciphertext = nonce + key.encrypt(nonce, plaintext, subject_bytes + field.encode())  # = _aad(subject, field)
            sealed[field] = binascii.b2a_base64(ciphertext, newline=False).decode("ascii")  # = base64.b64encode
        return sealed

    def open(self, subject: UUID, field: str, sealed: str) -> bytes | None:
        """The plaintext, or None when the subject's key has been destroyed."""
        key = self._key(subject)
        if key is None:
            return None
        raw = base64.b64decode(sealed)
        return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(subject, field))

    def ensure_keys(self, subjects: set[UUID]) -> None:
        """Make sure each subject has a key (one round trip for all); erased subjects get none."""
        missing = [subject for subject in subjects if self._cached(subject) is None]
        if not missing:
            return
        new_keys = {subject: self._wrap(subject, AESGCM.generate_key(256)) for subject in missing}
        for subject, wrapped in self._store.load_or_insert(new_keys).items():
            if wrapped is not None:
                self._remember(subject, self._unwrap(subject, wrapped))

    @contextmanager
    def keys_for_new_subjects(self, subjects: set[UUID]) -> Iterator[dict[UUID, bytes]]:
        """Fresh keys for subjects whose first events this thread is saving, without a round trip.

        Yields the wrapped keys, which the caller stores in the same transaction as the events
        (``store_new_keys``). Sealing uses them at once; other threads see them only after the
        block ends without error (committed). If a subject turns out to have a key already, the
        store raises KeyAlreadyStored, the transaction rolls back and nothing is cached."""
        new = [subject for subject in subjects if self._cached(subject) is None]
        # Every new key and its wrapping nonce from one read of the OS's random source
        # (what AESGCM.generate_key(256) and _wrap would each read on their own).
        randomness = os.urandom(len(new) * (KEY_BYTES + NONCE_BYTES))
        fresh, wrapped = {}, {}
        for i, subject in enumerate(new):
            offset = i * (KEY_BYTES + NONCE_BYTES)
            key, nonce = randomness[offset : offset + KEY_BYTES], randomness[offset + KEY_BYTES : offset + KEY_BYTES + NONCE_BYTES]
            fresh[subject] = AESGCM(key)
            wrapped[subject] = nonce + self._master.encrypt(nonce, key, subject.bytes)  # = _wrap(subject, key)
        self._unsaved.keys = fresh
        try:
            yield wrapped
            for subject, cipher in self._unsaved.keys.items():
                self._remember_cipher(subject, cipher)
        finally:
            self._unsaved.keys = {}

    def store_new_keys(self, cursor: Any, wrapped: dict[UUID, bytes]) -> None:
        self._store.insert_new(cursor, wrapped)

    def destroy(self, subject: UUID) -> None:
        self._store.destroy(subject)
        with self._lock:
            self._cache.pop(subject, None)

    def _unsaved_key(self, subject: UUID) -> AESGCM | None:
        return getattr(self._unsaved, "keys", {}).get(subject)

    def _key(self, subject: UUID) -> AESGCM | None:
        key = self._cached(subject)
        if key is not None:
            return key
        wrapped = self._store.load(subject)
        if wrapped is None:
            return None
        return self._remember(subject, self._unwrap(subject, wrapped))

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

    def _wrap(self, subject: UUID, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._master.encrypt(nonce, key, subject.bytes)

    def _unwrap(self, subject: UUID, wrapped: bytes) -> bytes:
        try:
            return self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], subject.bytes)
        except InvalidTag:
            raise RuntimeError(
                f"data key of {subject} does not open with JOBRAKER_MASTER_KEY: wrong master key?"
            ) from None


def _aad(subject: UUID, field: str) -> bytes:
    # Binding subject and field stops a sealed value being moved to another candidate or field.
    return subject.bytes + field.encode()
