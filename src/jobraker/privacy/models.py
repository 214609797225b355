from django.db import models


class SubjectKey(models.Model):
    """A candidate's data key, wrapped by the master key. Erasure clears ``wrapped_key``."""

    subject_id = models.UUIDField(primary_key=True)
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_subject_keys"


class DataExport(models.Model):
    """A candidate's data export (GDPR art. 15/20): a zip sealed with their own key."""

    id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    requested_by = models.CharField(max_length=16)
    status = models.CharField(max_length=16, default="pending")  # pending, ready
    sealed_zip = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_data_exports"
