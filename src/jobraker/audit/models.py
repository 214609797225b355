from django.db import models


class ChainLink(models.Model):
    """The hash of one stored event chained to the one before: sha256(previous ‖ the row's bytes)."""

    notification_id = models.BigIntegerField(primary_key=True)
    digest = models.CharField(max_length=64)

    class Meta:
        db_table = "jobraker_event_chain"
