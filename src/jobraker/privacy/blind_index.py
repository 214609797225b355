"""The keyed blind index of an e-mail address: equality lookups without the plaintext.

HMAC-SHA256 of the normalised address under ``JOBRAKER_BLIND_INDEX_KEY``. Without the key
the index says nothing about the address (no dictionary of likely addresses can be hashed
and compared); with it, the same address always gives the same index, which is all login
and the reservation of addresses need.
"""

from __future__ import annotations

import hashlib
import hmac

from jobraker.config import get_settings
from jobraker.domain.commands.candidates import normalise_email


def email_index(email: str, key: bytes | None = None) -> str:
    """64 hex digits; ``key`` defaults to the configured blind-index key."""
    key = get_settings().blind_index_key_bytes if key is None else key
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()
