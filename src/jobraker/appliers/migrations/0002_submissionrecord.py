from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("appliers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubmissionRecord",
            fields=[
                ("application_id", models.UUIDField(primary_key=True, serialize=False)),
                ("candidate_id", models.UUIDField(db_index=True)),
                ("applier", models.CharField(max_length=16)),
                ("run_id", models.CharField(blank=True, max_length=64)),
                ("dry_run", models.BooleanField(default=False)),
                ("verification", models.CharField(max_length=24)),
                ("reason", models.TextField(blank=True)),
                ("sent_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
            ],
            options={
                "db_table": "jobraker_submissions",
            },
        ),
    ]
