"""What Skyvern reported at the end of a run (Application.RunReported). The run's links are
sealed under the candidate's key like the submission reason (0003): added as plain columns
(a sealed field refuses the plain default Django writes into existing rows), then sealed."""

import jobraker.privacy.sealed_fields
from django.db import migrations, models

SEALED = jobraker.privacy.sealed_fields


class Migration(migrations.Migration):

    dependencies = [
        ("appliers", "0003_sealed_submission_reason"),
    ]

    operations = [
        migrations.AddField("submissionrecord", "run_status", models.CharField(blank=True, max_length=16, default="")),
        migrations.AddField("submissionrecord", "error_code", models.CharField(blank=True, max_length=32, default="")),
        migrations.AddField("submissionrecord", "recording_url", models.TextField(blank=True, default="")),
        migrations.AddField("submissionrecord", "screenshot_urls", models.JSONField(blank=True, default=list)),
        migrations.AddField("submissionrecord", "app_url", models.TextField(blank=True, default="")),
        migrations.AlterField("submissionrecord", "recording_url", SEALED.SealedTextField(blank=True, default="", subject_field="candidate_id")),
        migrations.AlterField("submissionrecord", "screenshot_urls", SEALED.SealedJSONField(blank=True, default=list, subject_field="candidate_id")),
        migrations.AlterField("submissionrecord", "app_url", SEALED.SealedTextField(blank=True, default="", subject_field="candidate_id")),
    ]
