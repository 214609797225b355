"""Submissions in the admin: how each was sent and what Skyvern reported (links to the run's
recording, screenshots and Skyvern's own page). Read-only, like every read model."""

from __future__ import annotations

from django.contrib import admin

from jobraker.appliers.models import SkyvernFile, SubmissionRecord
from jobraker.projections.admin import ReadOnly


@admin.register(SubmissionRecord)
class SubmissionAdmin(ReadOnly):
    list_display = ["application_id", "applier", "run_id", "verification", "run_status", "error_code", "sent_at"]
    list_filter = ["applier", "verification", "error_code"]
    readonly_fields = ["application_id", "candidate_id", "applier", "run_id", "dry_run", "verification", "reason",
                       "run_status", "error_code", "recording_url", "screenshot_urls", "app_url", "sent_at", "updated_at"]


@admin.register(SkyvernFile)
class SkyvernFileAdmin(ReadOnly):
    """Resume files uploaded to Skyvern and each deletion asked of it (the erasure record).
    The presigned address is left out: whoever holds it can read the resume."""

    list_display = ["file_id", "candidate_id", "uploaded_at", "delete_reason", "delete_requested_at", "delete_answer", "deleted"]
    list_filter = ["deleted", "delete_reason"]
    search_fields = ["=file_id", "=candidate_id", "=application_id"]
    fields = readonly_fields = ["file_id", "candidate_id", "application_id", "resume_id", "uploaded_at", "run_ended_at",
                                "delete_reason", "delete_requested_at", "delete_answer", "deleted"]
