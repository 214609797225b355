"""A candidate's e-mail address in a read model: sealed with the candidate's own key.

The read models keep no plaintext address (login finds accounts by the blind index);
the candidate's record shows it, opened on read. Erasure destroys the key, so even a
dead tuple or a backup of the row opens nothing."""

from __future__ import annotations

from uuid import UUID

from jobraker.domain.personal import ERASED, Erased

FIELD = "read_model.candidate.email"


def seal_email(candidate_id: UUID, email: str) -> str:
    from jobraker.eventstore.app import get_jobraker

    return get_jobraker().keyring.seal(candidate_id, FIELD, email.encode())


def open_email(candidate_id: UUID, sealed: str) -> str | Erased:
    from jobraker.eventstore.app import get_jobraker

    if not sealed:
        return ERASED
    plaintext = get_jobraker().keyring.open(candidate_id, FIELD, sealed)
    return ERASED if plaintext is None else plaintext.decode()
