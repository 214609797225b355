"""Password hashing: Django's Argon2id hasher at the cost the settings give.

Hashes keep their parameters in their own text, so a hash made at one cost is checked at that
cost whatever the settings say now. A login never rewrites a stored hash at a new cost (see
``Account.check_password``): the hash lives in the candidate's events, not in the login table.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

from jobraker.config import get_settings


class ConfiguredArgon2PasswordHasher(Argon2PasswordHasher):
    """Same algorithm name ("argon2") as Django's, so every stored hash stays readable."""

    @property  # type: ignore[override]
    def time_cost(self) -> int:
        return get_settings().argon2_time_cost

    @property  # type: ignore[override]
    def memory_cost(self) -> int:
        return get_settings().argon2_memory_kib

    @property  # type: ignore[override]
    def parallelism(self) -> int:
        return get_settings().argon2_parallelism
