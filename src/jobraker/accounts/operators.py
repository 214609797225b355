"""Staff and auditor accounts, created by an operator (``jobraker createstaff``). They are plain
login accounts: no events, no candidate record."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from jobraker.accounts.models import Account, AddressInUse, Role

OPERATOR_ROLES = (Role.STAFF.value, Role.AUDITOR.value)


class OperatorRefused(Exception):
    """The account was not created; the message says why."""


def create_operator(email: str, role: str, password: str, *, superuser: bool = False) -> Account:
    """A staff account (which may also open the admin) or an auditor account (read-only)."""
    if role not in OPERATOR_ROLES:
        raise OperatorRefused(f"role must be one of {', '.join(OPERATOR_ROLES)}")
    address = Account.objects.normalize_email(email).strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise OperatorRefused(f"{email!r} is not an e-mail address") from None
    try:
        validate_password(password, user=Account(role=role))
    except ValidationError as exc:
        raise OperatorRefused(" ".join(exc.messages)) from None
    is_staff = role == Role.STAFF  # the admin is staff's; an auditor reads through the API
    try:
        # create_user reserves the address in the same transaction (no candidate can have it).
        return Account.objects.create_user(
            address, password, role=role, is_staff=is_staff, is_superuser=superuser and is_staff
        )
    except AddressInUse:
        raise OperatorRefused("this e-mail address is already in use") from None
