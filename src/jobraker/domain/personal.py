"""How an event says which of its fields are personal data, and what erased data looks like.

A field annotated ``Personal[...]`` holds personal data about the event's data
subject (the candidate). The event store encrypts such fields with a key that
belongs to the subject; erasing the subject destroys the key, after which the
field reads back as ``ERASED``. Every other field (ids, times, statuses, the
event's type) stays readable for audit.

The subject is the aggregate itself (``originator_id``) unless the event class
names another field in ``data_subject_field``, as events about a candidate's
application do with ``candidate_id``.
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Annotated, Any, TypeVar
from uuid import UUID

T = TypeVar("T")


class PersonalData:
    """Marker placed in ``Annotated`` metadata by ``Personal[...]``."""

    def __repr__(self) -> str:
        return "PersonalData()"


Personal = Annotated[T, PersonalData()]


class Erased:
    """The value of a personal field whose subject has been erased."""

    _instance: Erased | None = None

    def __new__(cls) -> Erased:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "ERASED"

    def __reduce__(self) -> str:
        return "ERASED"


ERASED = Erased()


@cache
def personal_fields(event_class: type) -> tuple[str, ...]:
    """Names of the fields an event class declares personal, in declaration order."""
    hints = typing.get_type_hints(event_class, include_extras=True)
    return tuple(
        name
        for name, hint in hints.items()
        if any(isinstance(m, PersonalData) for m in getattr(hint, "__metadata__", ()))
    )


def data_subject(event: Any) -> UUID:
    """The candidate whose personal data this event holds (declared on the event class)."""
    subject: UUID = getattr(event, getattr(type(event), "data_subject_field", "originator_id"))
    return subject

