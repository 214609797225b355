"""Existing accounts get their blind index and their reservation from the address they had."""

from django.db import migrations


def index_existing_accounts(apps, schema_editor):
    from jobraker.privacy.blind_index import email_index

    Account = apps.get_model("accounts", "Account")
    EmailReservation = apps.get_model("accounts", "EmailReservation")
    for account in Account.objects.all().only("id", "email", "role"):
        index = email_index(account.email)
        Account.objects.filter(id=account.id).update(email_index=index)
        EmailReservation.objects.get_or_create(email_index=index, defaults={"subject_id": account.id, "kind": account.role})


class Migration(migrations.Migration):

    dependencies = [("accounts", "0002_blind_index_and_reservations")]

    operations = [migrations.RunPython(index_existing_accounts, migrations.RunPython.noop)]
