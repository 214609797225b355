from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ListingFingerprint",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("job_id", models.UUIDField(unique=True)),
                ("source", models.CharField(max_length=32)),
                ("company_key", models.CharField(db_index=True, max_length=300)),
                ("title", models.JSONField()),
                ("town", models.CharField(max_length=300)),
                ("shingles", models.JSONField()),
            ],
            options={"db_table": "jobraker_listing_fingerprints"},
        ),
    ]
