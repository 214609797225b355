"""Cache rows of a person's texts name the person (issue 12), so erasure can delete them.

Rows written before cannot be told apart (only a hash of the text was kept), so every cached
vector that is not of a current job's text is deleted: candidate texts are embedded again on
their next change, under their subject."""

from django.db import migrations, models


def keep_only_job_texts(apps, schema_editor):
    from jobraker.embeddings.cache import content_hash
    from jobraker.projections.vectors import job_text

    cache = apps.get_model("embeddings", "EmbeddingCache")
    job_vectors = apps.get_model("projections", "JobVector")
    keep = {content_hash(model, "passage", job_text(fields)) for fields, model in job_vectors.objects.values_list("fields", "model")}
    cache.objects.exclude(content_hash__in=keep).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("embeddings", "0001_initial"),
        ("projections", "0004_candidatevector_jobvector"),
    ]

    operations = [
        migrations.AddField(
            model_name="embeddingcache",
            name="subject_id",
            field=models.UUIDField(db_index=True, null=True),
        ),
        migrations.RunPython(keep_only_job_texts, migrations.RunPython.noop),
    ]
