"""Staff and auditor accounts, created by an operator (``jobraker createstaff``). They are plain
login accounts: no events, no candidate record."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from jobraker.accounts.models import Account, Role

OPERATOR_ROLES = (Role.STAFF.value, Role.AUDITOR.value)


class OperatorRefused(Exception):
    """The account was not created; the message says why."""


def create_operator(email: str, role: str, password: str) -> Account:
    """A staff account (which may also open the admin) or an auditor account (read-only)."""
    if role not in OPERATOR_ROLES:
        raise OperatorRefused(f"role must be one of {', '.join(OPERATOR_ROLES)}")
    address = Account.objects.normalize_email(email).strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise OperatorRefused(f"{email!r} is not an e-mail address") from None
    if Account.objects.filter(email=address).exists():
        raise OperatorRefused("an account with this e-mail address exists")
    try:
        validate_password(password, user=Account(email=address, role=role))
    except ValidationError as exc:
        raise OperatorRefused(" ".join(exc.messages)) from None
    return Account.objects.create_user(address, password, role=role, is_staff=role == Role.STAFF)
