"""Accounts keep no e-mail address: the blind index replaces it (0002–0004), every address
in use is reserved, and accounts carry a token version. Three migrations, so that the data
step and the column changes run in transactions of their own (PostgreSQL refuses to alter
a table with pending deferred-constraint events from updated rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="EmailReservation",
            fields=[
                ("email_index", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("subject_id", models.UUIDField(unique=True)),
                ("kind", models.CharField(choices=[("candidate", "Candidate"), ("auditor", "Auditor"), ("staff", "Staff")], max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"db_table": "jobraker_email_reservations"},
        ),
        migrations.AddField("account", "email_index", models.CharField("e-mail address", max_length=64, null=True)),
        migrations.AddField("account", "token_version", models.PositiveIntegerField(default=0)),
    ]
