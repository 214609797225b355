"""When to ask Skyvern about a run whose webhook has not come (appliers/webhooks.py). Existing
runs get a first poll one webhook deadline from now."""

import jobraker.appliers.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("appliers", "0005_skyvern_files"),
    ]

    operations = [
        migrations.AddField(
            model_name="skyvernrunlink",
            name="next_poll_at",
            field=models.DateTimeField(db_index=True, default=jobraker.appliers.models.first_poll_at, null=True),
        ),
        migrations.AddField(
            model_name="skyvernrunlink",
            name="polls",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
