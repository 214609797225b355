"""Submissions in the admin: how each was sent and what Skyvern reported (links to the run's
recording, screenshots and Skyvern's own page). Read-only, like every read model."""

from __future__ import annotations

from django.contrib import admin

from jobraker.appliers.models import SubmissionRecord
from jobraker.projections.admin import ReadOnly


@admin.register(SubmissionRecord)
class SubmissionAdmin(ReadOnly):
    list_display = ["application_id", "applier", "run_id", "verification", "run_status", "error_code", "sent_at"]
    list_filter = ["applier", "verification", "error_code"]
    readonly_fields = ["application_id", "candidate_id", "applier", "run_id", "dry_run", "verification", "reason",
                       "run_status", "error_code", "recording_url", "screenshot_urls", "app_url", "sent_at", "updated_at"]
