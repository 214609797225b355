"""The relay: follows the event log with its own position and sends Dramatiq messages
for the events that need a reaction. Messages are sent before the position moves, so
delivery is at least once; actors are idempotent."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from jobraker.domain.application import Actor, Application, Status
from jobraker.domain.candidate import Candidate
from jobraker.domain.job import Job
from jobraker.domain.notification import Notification
from jobraker.projections.base import Projection

# Changes the candidate did not make themselves are worth telling them about (all but the
# moment a submission starts, which its outcome follows within minutes).
NOTIFY_WHEN_BY = {Actor.SYSTEM.value, Actor.STAFF.value}
SILENT_STATUSES = {Status.SUBMITTING.value}
# Skyvern refused to start the run (429/403): the worker that was refused retries the message
# itself, after Skyvern's Retry-After; a second message or a notification would defeat that.
QUIET_ACTIONS = {"release_submission"}


class Relay(Projection):
    name = "relay"
    needs_metadata = True

    def __init__(self) -> None:
        self._correlation_id = ""

    def reset(self) -> None:
        """The relay keeps no rows; rebuilding it would resend every message, so it is refused."""
        raise RuntimeError("the relay is not rebuilt: replaying it would send every message again")

    def handle(self, event: Any, position: int, metadata: dict[str, Any]) -> None:
        self._correlation_id = metadata.get("correlation_id") or f"event-{position}"
        self.process(event, position)

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Events without a reaction only move the relay's position."""

    @process.register
    def _status_changed(self, event: Application.StatusChanged, position: int) -> None:
        from jobraker.inbox import sandbox_employer
        from jobraker.workers import actors

        if event.action in QUIET_ACTIONS:
            return
        if event.status == Status.QUEUED.value:
            actors.submit_application.send(str(event.originator_id), self._correlation_id)
        if event.status == Status.SUBMITTED.value and sandbox_employer.replies_enabled():
            actors.sandbox_employer_reply.send_with_options(
                args=(str(event.originator_id),), delay=sandbox_employer.REPLY_AFTER_SECONDS * 1000)
        if event.by in NOTIFY_WHEN_BY and event.status not in SILENT_STATUSES:
            actors.notify_application_change.send(str(event.originator_id), event.originator_version, self._correlation_id)

    @process.register
    def _preferences_changed(self, event: Candidate.PreferencesChanged, position: int) -> None:
        self._search_for(event.originator_id)
        self._rematch(event.originator_id, position)

    @process.register
    def _profile_changed(self, event: Candidate.ProfileChanged, position: int) -> None:
        self._search_for(event.originator_id)
        self._rematch(event.originator_id, position)

    @process.register
    def _automation_changed(self, event: Candidate.AutoApplySettingsChanged, position: int) -> None:
        self._rematch(event.originator_id, position)

    def _search_for(self, candidate_id: Any) -> None:
        """A candidate's new wishes are searched at once, not at the next scheduled run."""
        from jobraker.workers import actors

        actors.ingest_for_candidate.send(str(candidate_id), self._correlation_id)

    def _rematch(self, candidate_id: Any, position: int) -> None:
        """Jobs already known are matched against the new wishes or mode too, not only new ones."""
        from jobraker.workers import actors

        actors.match_existing_jobs.send(str(candidate_id), position, self._correlation_id)

    @process.register
    def _board_followed(self, event: Candidate.BoardFollowed, position: int) -> None:
        """A newly followed board is fetched at once, not at the next scheduled run."""
        from jobraker.workers import actors

        actors.ingest_boards_followed_by.send(str(event.originator_id), self._correlation_id)

    @process.register
    def _registered(self, event: Candidate.Registered, position: int) -> None:
        """A new address is asked to confirm itself (the message carries the id only)."""
        from jobraker.workers import actors

        if not event.address_verified:
            actors.email_address_verification.send(str(event.originator_id))

    @process.register
    def _registration_attempted(self, event: Candidate.RegistrationAttempted, position: int) -> None:
        from jobraker.workers import actors

        actors.email_registration_attempt.send(str(event.originator_id))

    @process.register
    def _erasure_completed(self, event: Candidate.ErasureCompleted, position: int) -> None:
        from jobraker.workers import actors

        actors.vacuum_after_erasure.send(str(event.originator_id), position)

    @process.register
    def _export_requested(self, event: Candidate.ExportRequested, position: int) -> None:
        from jobraker.workers import actors

        actors.build_data_export.send(str(event.export_id))

    @process.register
    def _job_posted(self, event: Job.Posted, position: int) -> None:
        from jobraker.workers import actors

        # Matched and alerted only once it is known not to be another posting of a listed job.
        actors.link_duplicates.send(str(event.originator_id), self._correlation_id)

    @process.register
    def _job_expired(self, event: Job.Expired, position: int) -> None:
        from jobraker.workers import actors

        actors.withdraw_for_expired_listing.send(str(event.originator_id), self._correlation_id)

    @process.register
    def _notification_sent(self, event: Notification.Sent, position: int) -> None:
        """Every notification is also e-mailed (the actor skips candidates who turned e-mail off)."""
        from jobraker.workers import actors

        actors.email_notification.send(str(event.originator_id), self._correlation_id)


def relay_projections() -> list[Projection]:
    return [Relay()]
