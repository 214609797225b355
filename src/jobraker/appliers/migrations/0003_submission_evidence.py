from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("appliers", "0002_submissionrecord"),
    ]

    operations = [
        migrations.AddField("submissionrecord", "run_status", models.CharField(blank=True, max_length=16, default="")),
        migrations.AddField("submissionrecord", "error_code", models.CharField(blank=True, max_length=32, default="")),
        migrations.AddField("submissionrecord", "recording_url", models.TextField(blank=True, default="")),
        migrations.AddField("submissionrecord", "screenshot_urls", models.JSONField(blank=True, default=list)),
        migrations.AddField("submissionrecord", "app_url", models.TextField(blank=True, default="")),
    ]
