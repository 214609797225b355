"""Login accounts. A candidate's account is a projection of their events (same id);
auditor and staff accounts are created by an operator (``jobraker createstaff``).

No account keeps its e-mail address: it is found by the address's keyed blind index
(``email_index``), and every address in use is reserved in ``EmailReservation``, which is
what decides that two identities never share an address."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import acheck_password, check_password
from django.contrib.auth.models import PermissionsMixin
from django.db import IntegrityError, models, transaction

from jobraker.privacy.blind_index import email_index


class Role(models.TextChoices):
    CANDIDATE = "candidate"
    AUDITOR = "auditor"
    STAFF = "staff"


class AddressInUse(Exception):
    """Another candidate, staff member or auditor has this e-mail address."""


class AccountManager(BaseUserManager["Account"]):
    def create_user(self, email: str, password: str | None = None, **fields: object) -> Account:
        """An operator's account (staff or auditor), with its address reserved in the same transaction."""
        index = email_index(email)
        account = self.model(email_index=index, **fields)
        account.set_password(password)
        try:
            with transaction.atomic(using=self._db):
                # The reservation first: it is what decides, whether or not a candidate's
                # account has been projected yet.
                EmailReservation.objects.using(self._db).create(
                    email_index=index, subject_id=account.id, kind=account.role
                )
                account.save(using=self._db)
        except IntegrityError:
            raise AddressInUse("this e-mail address is in use") from None
        return account

    def create_superuser(self, email: str | None = None, password: str | None = None, **fields: object) -> Account:
        # Django's createsuperuser passes what was typed at the USERNAME_FIELD prompt: the address.
        address = email if email is not None else str(fields.pop("email_index"))
        fields.update(role=Role.STAFF, is_staff=True, is_superuser=True)
        return self.create_user(address, password, **fields)

    def get_by_natural_key(self, username: str | None) -> Account:
        """The account of an e-mail address (what people log in with), found by its blind index."""
        return self.get(email_index=email_index(username or ""))


class Account(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email_index = models.CharField("e-mail address", max_length=64, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CANDIDATE)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # In every access token; bumped at logout, password change and erasure, which ends every
    # access token issued before at once (see api/tokens.py).
    token_version = models.PositiveIntegerField(default=0)

    objects = AccountManager()

    USERNAME_FIELD = "email_index"
    REQUIRED_FIELDS: list[str] = []

    def check_password(self, raw_password: str) -> bool:
        """Checked without Django's rehash-on-login: a candidate's hash is in their events, and a
        new hash written only here would be undone by the next rebuild of this table."""
        return check_password(raw_password, self.password)

    async def acheck_password(self, raw_password: str) -> bool:
        return await acheck_password(raw_password, self.password)

    class Meta:
        db_table = "jobraker_accounts"


class EmailReservation(models.Model):
    """An e-mail address in use, by its blind index: at most one identity (candidate, staff or
    auditor) per address. A candidate's row is written in the same transaction as their
    ``Candidate.Registered`` event and deleted in that of their ``Candidate.ErasureCompleted``."""

    email_index = models.CharField(max_length=64, primary_key=True)
    subject_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_email_reservations"
