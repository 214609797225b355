"""Read-model columns sealed under the candidate's own key, opened on read.

The API reads these rows by id and nothing searches these columns, so they need not be
plaintext: a name, a note, a conversation title, an alert's name are stored as
``sealed:v1:<subject id>:<base64 nonce+ciphertext>`` (AES-256-GCM under the subject's data
key, the table and column as authenticated data). Once the subject's key is destroyed, what
a dead tuple, a WAL segment or a backup keeps of them opens nothing.

Writing: through ``save()``/``bulk_create`` the row's subject column (``candidate_id`` by
default) names the key; ``QuerySet.update`` takes ``for_subject(candidate_id, value)``. A
plain value in an update or a lookup is refused, so no code path writes plaintext by mistake.
Reading: a row written before sealing (no prefix) reads as it was stored, until the
projection is rebuilt (``jobraker projections rebuild``); an erased subject's value reads as
None.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import models

from jobraker.privacy.keyring import SubjectErased

PREFIX = "sealed:v1:"
# What is stored for a subject whose key is already destroyed (a projection catching up on
# events written just before the erasure): nothing of theirs, and the row goes with the
# erasure event right after.
ERASED_MARK = PREFIX + "erased"


@dataclass(frozen=True)
class ForSubject:
    """A value to be sealed under this subject's key (for ``QuerySet.update``)."""

    subject: UUID
    value: Any


def for_subject(subject: UUID | str, value: Any) -> ForSubject:
    return ForSubject(UUID(str(subject)), value)


def _keyring():  # type: ignore[no-untyped-def]
    from jobraker.eventstore.app import get_jobraker

    return get_jobraker().keyring


def learn_key(subject: UUID, kek_id: int | None, wrapped: bytes | memoryview | None) -> None:
    """A subject's key row, read in the same statement as the sealed columns it opens (a read
    with many candidates mostly misses the key cache: this saves a round trip per request).
    No row (a LEFT JOIN's nulls): the subject is erased, and their sealed columns read as null."""
    if kek_id is not None and wrapped is not None:
        _keyring().learn(subject, (kek_id, bytes(wrapped)))


class SealedTextField(models.TextField):
    """A text column sealed under the key of the subject named by ``subject_field``."""

    def __init__(self, *args: Any, subject_field: str = "candidate_id", **kwargs: Any) -> None:
        self.subject_field = subject_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        kwargs["subject_field"] = self.subject_field
        return name, path, args, kwargs

    @property
    def aad_name(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def encode(self, value: Any) -> bytes:
        return str(value).encode()

    def decode(self, plaintext: bytes) -> Any:
        return plaintext.decode()

    def legacy(self, stored: str) -> Any:
        return stored

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None or isinstance(value, ForSubject):
            return value
        return ForSubject(UUID(str(getattr(model_instance, self.subject_field))), value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, ForSubject):
            if value.value is None:
                return None
            try:
                return self.sealed(value.subject, self.encode(value.value))
            except SubjectErased:
                return self.erased_mark
        raise TypeError(f"{self.aad_name} is sealed: write it through save() or with for_subject(candidate_id, value)")

    erased_mark: str | bytes = ERASED_MARK

    def sealed(self, subject: UUID, plaintext: bytes) -> str | bytes:
        """What the column stores for ``plaintext`` sealed under ``subject``'s key."""
        return f"{PREFIX}{subject}:{_keyring().seal(subject, self.aad_name, plaintext)}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if not value.startswith(PREFIX):
            return self.legacy(value)
        if value == ERASED_MARK:
            return None
        subject, sealed = value[len(PREFIX):].split(":", 1)
        plaintext = _keyring().open(UUID(subject), self.aad_name, sealed)
        return None if plaintext is None else self.decode(plaintext)

    def to_python(self, value: Any) -> Any:
        return value


class SealedBinaryTextField(SealedTextField):
    """Text sealed as ``SealedTextField`` seals it, stored as bytes (bytea): ``sealed:v1:``, the
    subject's 16 bytes, nonce and ciphertext. For a large value read on every request (a
    candidate's pre-rendered matches, about 40 kB): base64 cost 150 µs to decode at that size
    (a tenth of a whole trivial request), and a third more bytes to send."""

    def get_internal_type(self) -> str:
        return "BinaryField"

    erased_mark = ERASED_MARK.encode()

    def sealed(self, subject: UUID, plaintext: bytes) -> bytes:
        return PREFIX.encode() + subject.bytes + _keyring().seal_bytes(subject, self.aad_name, plaintext)

    def from_db_value(self, value: bytes | memoryview | None, expression: Any, connection: Any) -> Any:
        stored = None if value is None else bytes(value)
        if stored is None or stored == self.erased_mark:
            return None
        if not stored.startswith(PREFIX.encode()):
            raise ValueError(f"{self.aad_name} holds a value that is not sealed")
        start = len(PREFIX)
        plaintext = _keyring().open_bytes(UUID(bytes=stored[start:start + 16]), self.aad_name, stored[start + 16:])
        return None if plaintext is None else self.decode(plaintext)


class SealedJSONField(SealedTextField):
    """A JSON value (a dict or list), sealed like ``SealedTextField``."""

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), default=str).encode()

    def decode(self, plaintext: bytes) -> Any:
        return json.loads(plaintext)

    def legacy(self, stored: str) -> Any:
        return json.loads(stored)


def _quote(name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(name)


def seal_stored_rows(app_label: str, model_name: str, field_name: str):  # type: ignore[no-untyped-def]
    """A migration step: seal the values a column held in plaintext before it was sealed."""

    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        # Only rows not sealed yet (a lookup on the sealed column itself is refused by design).
        plaintext = model.objects.extra(where=[f"{_quote(field.column)}::text NOT LIKE %s"], params=[PREFIX + "%"])
        for pk, subject, value in plaintext.values_list("pk", field.subject_field, field_name).iterator():
            model.objects.filter(pk=pk).update(**{field_name: for_subject(subject, value)})

    return run
