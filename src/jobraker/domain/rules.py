"""Small value rules shared by the aggregates."""

from __future__ import annotations

import unicodedata

from jobraker.domain.errors import InvalidValue


def clean_text(field: str, value: str, *, max_length: int, required: bool = True) -> str:
    """Trimmed text without control characters (which no store or screen should receive)."""
    text = value.strip()
    if required and not text:
        raise InvalidValue(f"{field} must not be empty")
    if len(text) > max_length:
        raise InvalidValue(f"{field} must be at most {max_length} characters")
    if any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in "\n\t" for ch in text):
        raise InvalidValue(f"{field} must not contain control characters")
    return text
