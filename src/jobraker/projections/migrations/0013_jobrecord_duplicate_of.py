from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projections", "0012_candidate_email_sealed_field")]

    operations = [
        migrations.AddField("jobrecord", "duplicate_of", models.UUIDField(blank=True, db_index=True, null=True)),
    ]
