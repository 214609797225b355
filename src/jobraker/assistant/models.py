"""Read models of the assistant: conversations as listed, and tokens spent per candidate and day.
Messages themselves are read from the conversation's own stream (see docs/assistant.md)."""

from django.db import models

from jobraker.privacy.sealed_fields import SealedTextField


class ConversationRecord(models.Model):
    """One conversation as the candidate's list shows it. Dropped on erasure."""

    id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    title = SealedTextField(blank=True)  # sealed under the candidate's key (privacy/sealed_fields.py)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    messages = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)
    version = models.PositiveIntegerField()

    class Meta:
        db_table = "jobraker_conversations"
        ordering = ["-updated_at", "id"]


class TokenUsage(models.Model):
    """Chat tokens (prompt + completion) a candidate spent on one UTC day: what the budget counts."""

    candidate_id = models.UUIDField()
    day = models.DateField()
    tokens = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "jobraker_chat_token_usage"
        constraints = [models.UniqueConstraint(fields=["candidate_id", "day"], name="chat_usage_once_per_day")]
