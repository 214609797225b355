from django.db import models


class ProjectionPosition(models.Model):
    """How far a projection (or the relay) has read the event log: a notification id."""

    name = models.CharField(max_length=64, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "jobraker_projection_positions"


class CandidateRecord(models.Model):
    """A candidate as the API shows them to themselves (and to staff)."""

    id = models.UUIDField(primary_key=True)
    email = models.EmailField()
    name = models.CharField(max_length=200)
    registered_at = models.DateTimeField()
    version = models.PositiveIntegerField()
    position = models.BigIntegerField()

    class Meta:
        db_table = "jobraker_candidates"
        ordering = ["registered_at"]
