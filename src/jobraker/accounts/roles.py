"""Who holds which role. ``is_staff`` only lets an account into Django's admin (auditors need it
for the stream viewer); what it may do there and in the API is decided by ``role``."""

from __future__ import annotations

from typing import Any

from jobraker.accounts.models import Role


def holds_role(user: Any, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def is_staff_member(user: Any) -> bool:
    """Staff act (withdraw, export, erase, rebuild); auditors never do, whatever ``is_staff`` says."""
    return holds_role(user, Role.STAFF)


def is_auditor_or_staff(user: Any) -> bool:
    """May read event streams and their history (the audit endpoints, the admin stream viewer)."""
    return holds_role(user, Role.STAFF, Role.AUDITOR)
