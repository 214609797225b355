from django.db import models


class SubjectKey(models.Model):
    """A candidate's data key, wrapped by the master key. Erasure clears ``wrapped_key``."""

    subject_id = models.UUIDField(primary_key=True)
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_subject_keys"
