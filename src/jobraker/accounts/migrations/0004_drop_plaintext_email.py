"""The plaintext address goes; the blind index is the account's login key."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("accounts", "0003_index_existing_accounts")]

    operations = [
        migrations.RemoveField("account", "email"),
        migrations.AlterField("account", "email_index", models.CharField("e-mail address", max_length=64, unique=True)),
    ]
