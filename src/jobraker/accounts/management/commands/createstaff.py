"""Create a staff or auditor account: ``jobraker manage createstaff --email … --role staff``.

The password is read from the terminal, or from standard input with ``--password-stdin``.
The address is reserved like a candidate's (no candidate can register it, and no other
account can have it); the account keeps only the address's blind index."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jobraker.accounts.models import Account, AddressInUse, Role


class Command(BaseCommand):
    help = "Create a staff or auditor account (its address is reserved)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", choices=[Role.STAFF.value, Role.AUDITOR.value], default=Role.STAFF.value)
        parser.add_argument("--superuser", action="store_true", help="Staff with every admin permission.")
        parser.add_argument("--password-stdin", action="store_true", help="Read the password from standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else getpass.getpass("Password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        role = options["role"]
        is_staff = role == Role.STAFF  # the admin is staff's; an auditor reads through the API
        try:
            account = Account.objects.create_user(
                options["email"], password, role=role, is_staff=is_staff,
                is_superuser=bool(options["superuser"]) and is_staff,
            )
        except AddressInUse:
            raise CommandError("this e-mail address is already in use") from None
        self.stdout.write(f"created {role} account {account.id}")
