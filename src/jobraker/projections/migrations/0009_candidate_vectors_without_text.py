"""Candidate vectors keep no text (issue 12): the resume, profile and preferences columns go;
the vectors projection reads them from the event store when one changes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("projections", "0008_candidate_email_sealed"),
        ("embeddings", "0002_embedding_cache_subject"),
    ]

    operations = [
        migrations.RemoveField(model_name="candidatevector", name="profile"),
        migrations.RemoveField(model_name="candidatevector", name="preferences"),
        migrations.RemoveField(model_name="candidatevector", name="resume_text"),
    ]
