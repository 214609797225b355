from django.db import models


class ChainLink(models.Model):
    """The hash of one stored event chained to the one before: sha256(previous ‖ the row's bytes)."""

    notification_id = models.BigIntegerField(primary_key=True)
    digest = models.CharField(max_length=64)

    class Meta:
        db_table = "jobraker_event_chain"


class ChainRewrite(models.Model):
    """A recorded rewrite of stored events (only `jobraker privacy migrate` makes one): the chain
    head before and after, and every rewritten row, so a kept old head still accounts for itself."""

    at = models.DateTimeField()
    reason = models.TextField()
    old_head = models.CharField(max_length=64)
    new_head = models.CharField(max_length=64)
    rewritten = models.JSONField()

    class Meta:
        db_table = "jobraker_chain_rewrites"
