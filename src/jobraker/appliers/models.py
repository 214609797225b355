from django.db import models

from jobraker.privacy.sealed_fields import SealedTextField


class SkyvernRunLink(models.Model):
    """Which application a Skyvern run belongs to (written as soon as the run id is known)."""

    run_id = models.CharField(max_length=64, primary_key=True)
    application_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_skyvern_runs"


class SubmissionRecord(models.Model):
    """Read model: how an application was submitted and whether the employer's site confirmed it.
    Written by the submissions projection (appliers/projection.py); dropped on erasure."""

    application_id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    applier = models.CharField(max_length=16)  # skyvern | sandbox | dry-run
    run_id = models.CharField(max_length=64, blank=True)
    dry_run = models.BooleanField(default=False)
    # awaiting | confirmed | unverified | confirmed_by_candidate | failed | needs_review | dry_run
    verification = models.CharField(max_length=24)
    # The confirmation seen; or why unverified, failed, needs review. Sealed under the candidate's key.
    reason = SealedTextField(blank=True)
    sent_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "jobraker_submissions"
