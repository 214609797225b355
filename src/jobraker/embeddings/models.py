from django.db import models
from pgvector.django import VectorField

from jobraker.embeddings.providers import DIMENSIONS


class EmbeddingCache(models.Model):
    """A text's vector, keyed by a hash of (model, kind, text); the text itself is not kept."""

    content_hash = models.CharField(max_length=64, primary_key=True)
    model = models.CharField(max_length=100)
    vector = VectorField(dimensions=DIMENSIONS)
    created_at = models.DateTimeField(auto_now_add=True)
    # The person a text is about (candidate texts); erasure deletes their rows. None: a job's text.
    subject_id = models.UUIDField(null=True, db_index=True)

    class Meta:
        db_table = "jobraker_embedding_cache"
