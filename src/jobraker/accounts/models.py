"""Login accounts. A candidate's account is a projection of their events (same id);
auditor and staff accounts are created by an operator with ``jobraker createstaff``."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models


class Role(models.TextChoices):
    CANDIDATE = "candidate"
    AUDITOR = "auditor"
    STAFF = "staff"


class AccountManager(BaseUserManager["Account"]):
    def create_user(self, email: str, password: str | None = None, **fields: object) -> "Account":
        account = self.model(email=self.normalize_email(email).lower(), **fields)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "Account":
        fields.update(role=Role.STAFF, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class Account(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CANDIDATE)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "jobraker_accounts"

    @property
    def is_candidate(self) -> bool:
        return self.role == Role.CANDIDATE
