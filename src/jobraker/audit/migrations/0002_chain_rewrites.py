from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ChainRewrite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField()),
                ("reason", models.TextField()),
                ("old_head", models.CharField(max_length=64)),
                ("new_head", models.CharField(max_length=64)),
                ("rewritten", models.JSONField()),
            ],
            options={"db_table": "jobraker_chain_rewrites"},
        ),
    ]
