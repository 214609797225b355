from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projections", "0013_jobrecord_duplicate_of")]

    operations = [
        migrations.CreateModel(
            name="FunnelEntry",
            fields=[
                ("application_id", models.UUIDField(primary_key=True, serialize=False)),
                ("candidate_id", models.UUIDField(db_index=True)),
                ("job_id", models.UUIDField()),
                ("strategy", models.CharField(blank=True, max_length=32)),
                ("resume_id", models.UUIDField(null=True)),
                ("matched_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(null=True)),
                ("confirmed_at", models.DateTimeField(null=True)),
                ("replied_at", models.DateTimeField(null=True)),
                ("interview_at", models.DateTimeField(null=True)),
                ("offer_at", models.DateTimeField(null=True)),
                ("version", models.PositiveIntegerField()),
                ("position", models.BigIntegerField()),
            ],
            options={"db_table": "jobraker_funnel"},
        ),
    ]
