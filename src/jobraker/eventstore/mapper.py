"""Stored-event format: personal fields sealed per subject, causation metadata alongside.

A stored event's state is the JSON of the event's fields, where each personal
field is replaced by ``{"__sealed__": "<base64 nonce+ciphertext>"}``, plus
``"__subject__"`` (whose key sealed them) and ``"__meta__"`` (correlation id,
causation id, actor). Reading an event whose subject was erased gives
``ERASED`` for its personal fields and the stored values for all others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from jobraker.domain.personal import ERASED, data_subject, personal_fields
from jobraker.privacy.keyring import Keyring

SEALED = "__sealed__"
SUBJECT = "__subject__"
META = "__meta__"


class PersonalDataMapper(Mapper[UUID]):
    def __init__(
        self,
        transcoder: Transcoder,
        keyring: Keyring,
        metadata: Callable[[], dict[str, Any]],
    ) -> None:
        super().__init__(transcoder)
        self.keyring = keyring
        self.metadata = metadata

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        fields = personal_fields(type(domain_event))
        if fields:
            subject = data_subject(domain_event)
            state[SUBJECT] = str(subject)
            sealed = self.keyring.seal_fields(subject, {name: self.transcoder.encode(state[name]) for name in fields})
            for name in fields:
                state[name] = {SEALED: sealed[name]}
        state[META] = self.metadata()
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=self.transcoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        state.pop(META, None)
        subject = state.pop(SUBJECT, None)
        for name, value in state.items():
            if isinstance(value, dict) and SEALED in value:
                state[name] = self._open(UUID(subject), name, value[SEALED])
        originator_id = stored_event.originator_id
        state["originator_id"] = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        state["originator_version"] = stored_event.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < getattr(cls, "class_version", 1):
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event

    def metadata_of(self, stored_event: StoredEvent) -> dict[str, Any]:
        """Correlation id, causation id and actor of a stored event (readable after erasure)."""
        return self.transcoder.decode(stored_event.state).get(META, {})

    def _open(self, subject: UUID, name: str, sealed: str) -> Any:
        plaintext = self.keyring.open(subject, name, sealed)
        return ERASED if plaintext is None else self.transcoder.decode(plaintext)
