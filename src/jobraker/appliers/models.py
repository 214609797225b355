from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from jobraker.privacy.sealed_fields import SealedJSONField, SealedTextField


def first_poll_at() -> datetime:
    """A run's webhook is missed once this moment passes: Skyvern is asked from then on."""
    from jobraker.config import get_settings

    return timezone.now() + timedelta(seconds=get_settings().skyvern_webhook_deadline_seconds)


class SkyvernRunLink(models.Model):
    """Which application a Skyvern run belongs to (written as soon as the run id is known), and
    when to ask Skyvern about it if its webhook does not come (appliers/webhooks.py)."""

    run_id = models.CharField(max_length=64, primary_key=True)
    application_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)
    next_poll_at = models.DateTimeField(null=True, db_index=True, default=first_poll_at)  # None: settled
    polls = models.PositiveIntegerField(default=0)

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
    # | posting_closed | needs_input | already_applied
    verification = models.CharField(max_length=24)
    # The confirmation seen; or why unverified, failed, needs review. Sealed under the candidate's key.
    reason = SealedTextField(blank=True)
    # What Skyvern reported at the end of the run (Application.RunReported).
    run_status = models.CharField(max_length=16, blank=True, default="")  # one of Skyvern's terminal run statuses
    error_code = models.CharField(max_length=32, blank=True, default="")  # the error_code_mapping code the agent stopped with
    # The run's links open pages showing the candidate's details as typed into the form, and tie
    # this person to the run: sealed under the candidate's key like the event's evidence.
    recording_url = SealedTextField(blank=True, default="")
    screenshot_urls = SealedJSONField(default=list, blank=True)
    app_url = SealedTextField(blank=True, default="")
    sent_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "jobraker_submissions"


class SkyvernFile(models.Model):
    """A resume file uploaded to Skyvern for one submission (``POST /v1/upload_file``), and its
    deletion (``DELETE /v1/files/{id}``): due when the run has ended plus a grace period, when
    the candidate's resume changes, and at erasure. Kept after deletion, without the address,
    as the record of what was asked of Skyvern and how it answered (the erasure record)."""

    file_id = models.CharField(max_length=100, primary_key=True)  # Skyvern's opaque id
    candidate_id = models.UUIDField(db_index=True)
    application_id = models.UUIDField(db_index=True)
    resume_id = models.UUIDField()
    # Whoever holds the presigned URL can read the resume: sealed, and cleared once deleted.
    presigned_url = SealedTextField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    run_ended_at = models.DateTimeField(null=True)  # first seen no longer running: the grace starts
    delete_reason = models.CharField(max_length=16, blank=True, default="")  # run_ended | resume_changed | erasure
    delete_requested_at = models.DateTimeField(null=True)
    delete_answer = models.CharField(max_length=64, blank=True, default="")  # deleted | gone | refused: 5xx | no answer: …
    deleted = models.BooleanField(default=False, db_index=True)

    class Meta:
        db_table = "jobraker_skyvern_files"
