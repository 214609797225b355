"""The application service: the commands Jobraker accepts, each one a small transaction.

Every command returns the position of its last stored event, so a client can
ask a later read to wait until the projections have caught up with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from jobraker.domain.access import DataAccess
from jobraker.domain.alert import AlertCriteria, JobAlert, criteria_fields
from jobraker.domain.answers import CUSTOM, AnswerBank, answer_bank_id, question_of
from jobraker.domain.application import Actor, Application, Status, application_id
from jobraker.domain.candidate import UNVERIFIED, Candidate
from jobraker.domain.errors import DomainError, IllegalTransition, InvalidValue
from jobraker.domain.job import Job, job_id
from jobraker.domain.notification import Notification
from jobraker.domain.notification_settings import NotificationSettings, notification_settings_id
from jobraker.domain.operations import StaffAction
from jobraker.domain.pacing import CompanyPacing, pacing_id
from jobraker.domain.personal import Erased
from jobraker.domain.policy import NOTHING, Decision, auto_apply_decision

# What a candidate may do to their own application; the rest is Jobraker's to do.
CANDIDATE_ACTIONS = frozenset(
    {"shortlist", "mark_applied", "schedule_interview", "record_offer", "record_rejection", "withdraw"}
    | {"confirm_submission"}  # an unverified submission the candidate knows arrived
)
SYSTEM_ACTIONS = frozenset(
    {"queue", "start_submission", "record_submitted", "record_failure", "requeue", "flag_for_review"}
    | {"record_unverified"}
)

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

# Candidate ids registered before ids were random were uuid5 in this namespace (of a keyed
# digest of the address); those candidates keep them. New ids are uuid4, unrelated to anything.
CANDIDATE_NAMESPACE = UUID("0f8d7c52-4a0e-4d8b-9d3e-2b8c4c1e7a11")

# One save of ~4,000 events or more hangs psycopg's pipeline in the recorder
# (see ARCHITECTURE.md, known hazards); bulk work is saved in bounded batches.
MAX_EVENTS_PER_SAVE = 1000


class CandidateAlreadyRegistered(DomainError):
    """Another identity (candidate, staff member or auditor) holds this e-mail address."""


class NotFound(DomainError):
    """No aggregate with this id."""


class StaleVersion(DomainError):
    """The caller's expected version is not the aggregate's current version."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the current version is {current}")
        self.current = current


class ConcurrentUpdate(DomainError):
    """Another command changed the aggregate while this one ran, more often than retried."""


class Jobraker(EventSourcedApplication[UUID]):
    """Jobraker's write side: commands in, events stored."""

    name = "jobraker"

    def register_candidate(
        self, email: str, name: str, password_hash: str, *, address_verified: bool = False
    ) -> tuple[UUID, int]:
        """A new candidate with a random id. The event store reserves the address in the
        registration's own transaction and raises CandidateAlreadyRegistered when another
        candidate, staff member or auditor holds it (see accounts/reservations.py)."""
        candidate = Candidate.register(
            id=uuid4(),
            email=normalise_email(email),
            name=name,
            password_hash=password_hash,
            address_verified=address_verified,
        )
        return candidate.id, self._save(candidate)

    def verify_address(self, candidate_id: UUID) -> int:
        return self._update(candidate_id, None, lambda c: c.verify_address(), kind=Candidate)

    def note_registration_attempt(self, candidate_id: UUID) -> int:
        return self._update(candidate_id, None, lambda c: c.note_registration_attempt(), kind=Candidate)

    def get_candidate(self, candidate_id: UUID) -> Candidate:
        return self._get(candidate_id, kind=Candidate)

    # Candidate commands.

    def change_profile(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        return self._update(
            candidate_id, expected_version,
            lambda c: c.change_profile(replace(_editable(c.profile), **_tuples(changes))),
            kind=Candidate,
        )

    def change_preferences(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        return self._update(
            candidate_id, expected_version,
            lambda c: c.change_preferences(replace(_editable(c.preferences), **_tuples(changes))),
            kind=Candidate,
        )

    def change_auto_apply(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        """The older on/off form (enabled, min_score, daily_cap), kept for existing clients:
        enabled=true means full mode (unless already approve), enabled=false means off."""
        return self.change_automation(candidate_id, legacy_automation_changes(changes), expected_version)

    def change_automation(self, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None) -> int:
        """Change the mode, the strategy or overrides (min_score, daily_cap, strict_filters;
        ``None`` removes an override so the strategy's value holds again)."""
        fields = {AUTOMATION_FIELDS[name]: value for name, value in changes.items()}
        return self._update(candidate_id, expected_version, lambda c: c.change_auto_apply(replace(c.auto_apply, **fields)), kind=Candidate)

    def give_consent(self, candidate_id: UUID, kind: str, version: str) -> int:
        return self._update(candidate_id, None, lambda c: c.give_consent(kind, version), kind=Candidate)

    def withdraw_consent(self, candidate_id: UUID, kind: str) -> int:
        return self._update(candidate_id, None, lambda c: c.withdraw_consent(kind), kind=Candidate)

    def upload_resume(
        self, candidate_id: UUID, resume_id: UUID, filename: str, content_type: str, size: int, text: str
    ) -> tuple[UUID | None, int]:
        """Record a new resume; returns the id of the resume it replaced (if any) and the position."""
        replaced: list[UUID | None] = []

        def upload(candidate: Candidate) -> None:
            replaced.append(candidate.resume.id if candidate.resume else None)
            candidate.upload_resume(resume_id, filename, content_type, size, text)

        position = self._update(candidate_id, None, upload, kind=Candidate)
        return replaced[-1], position

    def delete_resume(self, candidate_id: UUID) -> tuple[UUID, int]:
        deleted: list[UUID] = []
        position = self._update(candidate_id, None, lambda c: deleted.append(c.delete_resume()), kind=Candidate)
        return deleted[-1], position

    def request_export(self, candidate_id: UUID, export_id: UUID, by: str) -> int:
        return self._update(candidate_id, None, lambda c: c.request_export(export_id, by), kind=Candidate)

    # Jobs.

    def post_job(self, **listing: Any) -> tuple[UUID, int]:
        """Record a listing, or what changed in it since it was last posted (idempotent)."""
        jid = job_id(listing["source"], listing["external_id"])
        try:
            job = self._get(jid, kind=Job)
        except NotFound:
            try:
                return jid, self._save(Job.post(**listing))
            except IntegrityError:  # posted at this moment by another ingestion of the same search
                job = self._get(jid, kind=Job)
        job.revise(**listing)
        return jid, self._save(job)

    def ensure_job(self, **listing: Any) -> UUID:
        """The listing's job, posted now if it does not exist yet (never revised here)."""
        jid = job_id(listing["source"], listing["external_id"])
        try:
            self._get(jid, kind=Job)
        except NotFound:
            try:
                self._save(Job.post(**listing))
            except IntegrityError:
                pass  # posted concurrently: same id, same job
        return jid

    def track_job(self, owner_id: UUID, identity: str, **fields: Any) -> UUID:
        """The candidate's own record of a job they found elsewhere (made now if new, never
        changed by a later request). Never a listing: see ``Job.Tracked``."""
        job = Job.track(owner_id, identity, **fields)
        try:
            self._get(job.id, kind=Job)
        except NotFound:
            try:
                self._save(job)
            except IntegrityError:
                pass  # tracked at this moment by a second request: same id, same job
        return job.id

    def get_listing(self, jid: UUID) -> Job:
        """A job that is a listing: a candidate's tracked job reads as not found, so nothing
        Jobraker does for others (matching, shortlisting, applying) can reach it."""
        job = self._get(jid, kind=Job)
        if job.is_tracked:
            raise NotFound(jid)
        return job

    def get_job_for(self, candidate_id: UUID, jid: UUID) -> Job:
        """A listing, or the candidate's own tracked job; another's tracked job is not found."""
        job = self._get(jid, kind=Job)
        if job.is_tracked and job.owner_id != candidate_id:
            raise NotFound(jid)
        return job

    def link_duplicate(self, jid: UUID, canonical_id: UUID, similarity: float) -> int:
        return self._update(jid, None, lambda job: job.link_duplicate_of(canonical_id, similarity), kind=Job)

    def expire_job(self, jid: UUID, reason: str = "") -> int:
        return self._update(jid, None, lambda job: job.expire(reason), kind=Job)

    def get_job(self, jid: UUID) -> Job:
        return self._get(jid, kind=Job)

    # Applications.

    def track_application(self, candidate_id: UUID, jid: UUID, applied: bool, by: Actor = Actor.CANDIDATE) -> tuple[UUID, int]:
        """A candidate tracks an application they make themselves (one per job)."""
        self.get_job_for(candidate_id, jid)
        application = Application.track_manual(candidate_id, jid, applied=applied, by=by)
        try:
            return application.id, self._save(application)
        except IntegrityError:
            raise ApplicationExists(application.id) from None

    def shortlist_match(
        self, candidate_id: UUID, jid: UUID, score: int, model: str, explanation: dict[str, Any], by: Actor
    ) -> tuple[UUID, int]:
        """Record the match that made the decision, then shortlist it."""
        self.get_listing(jid)
        application = Application.match(candidate_id, jid, score, model, explanation, by=by)
        application.shortlist(by)
        try:
            return application.id, self._save(application)
        except IntegrityError:
            raise ApplicationExists(application.id) from None

    def record_match(
        self, candidate_id: UUID, jid: UUID, score: int, model: str, explanation: dict[str, Any],
        soft_misses: Iterable[str] = (), prepare: Preparer | None = None, now: datetime | None = None,
    ) -> tuple[UUID, int, Decision]:
        """Record a match found by Jobraker with the decision and the automation values that
        made it; queue it (full mode) or prepare it for approval (approve mode, with
        ``prepare`` building the payload and its expiry), counted against the company limit;
        or, when nothing is sent, record why (``SendSkipped``). Matching the same job again
        records nothing (one application per candidate and job)."""
        now = now or datetime.now(UTC)
        for _ in range(3):  # a lost race for the company's count decides again on the fresh count
            candidate = self.get_candidate(candidate_id)
            job = self.get_listing(jid)
            pacing = self.get_pacing(candidate_id, job.company)
            decision = auto_apply_decision(candidate, score, job.company, soft_misses, pacing.within_window(now))
            if candidate.auto_apply.mode == "off":  # off records no matches at all
                return application_id(candidate_id, jid), 0, decision
            if decision.prepare and prepare is None:
                decision = Decision(NOTHING, "approve mode, but nothing here can prepare a submission", decision.automation,
                                    "cannot_prepare")
            details = {**explanation, "decision": decision.reason, "automation": decision.automation}
            application = Application.match(candidate_id, jid, score, model, details)
            if decision.queue:
                application.queue(Actor.SYSTEM)
            elif decision.prepare and prepare is not None:
                prepare_for_approval(application, candidate, job, prepare, decision.automation)
            elif decision.skip_reason:
                application.skip_sending(decision.skip_reason)
            sending = decision.queue or decision.prepare
            if sending:
                pacing.count(application.id, now, candidate.auto_apply.company_limit)
            try:
                return application.id, self._save(application, *([pacing] if sending else [])), decision
            except IntegrityError:
                if self._exists(application.id):
                    return application.id, 0, Decision(NOTHING, "already matched")
        raise ConcurrentUpdate(application_id(candidate_id, jid))

    def apply_now(self, candidate_id: UUID, aid: UUID, prepare: Preparer, now: datetime | None = None) -> int:
        """The candidate asks Jobraker to apply to their matched or shortlisted application now:
        queued for the usual at-most-once submission in full mode, prepared for their approval
        in approve mode. Refused unless they may send (mode, consent, verified address) and the
        job is a live listing (never a job they track themselves)."""
        now = now or datetime.now(UTC)
        for _ in range(3):
            application = self.get_application(aid)
            if application.candidate_id != candidate_id:
                raise NotFound(aid)
            candidate, job = self._may_apply_now(candidate_id, application.job_id)
            pacing = self._ready_to_send(application, candidate, job, prepare, now)
            try:
                return self._save(application, pacing)
            except IntegrityError:
                continue  # the application or the company's count moved meanwhile: decide again
        raise ConcurrentUpdate(aid)

    def apply_to_listing(
        self, candidate_id: UUID, jid: UUID, score: int | None, model: str, explanation: dict[str, Any], prepare: Preparer,
        now: datetime | None = None,
    ) -> tuple[UUID, int]:
        """Apply now to a listing chosen by id: its application (the match, with this score) is
        made and sent on as ``apply_now`` does; an existing one is applied to as it stands."""
        aid = application_id(candidate_id, jid)
        if self._exists(aid):
            return aid, self.apply_now(candidate_id, aid, prepare, now)
        candidate, job = self._may_apply_now(candidate_id, jid)
        details = {**explanation, "decision": "the candidate asked Jobraker to apply now"}
        application = Application.choose(candidate_id, jid, score, model, details)
        pacing = self._ready_to_send(application, candidate, job, prepare, now or datetime.now(UTC))
        try:
            return aid, self._save(application, pacing)
        except IntegrityError:  # made at this moment by a match or a second request: apply to that one
            return aid, self.apply_now(candidate_id, aid, prepare, now)

    def _may_apply_now(self, candidate_id: UUID, jid: UUID) -> tuple[Candidate, Job]:
        candidate = self.get_candidate(candidate_id)
        refusal = sending_refusal(candidate)
        if refusal:
            raise IllegalTransition("apply now", refusal)
        job = self.get_job(jid)
        if job.is_tracked:
            raise IllegalTransition("apply now", "Jobraker never applies to a job you track yourself")
        if job.is_expired:
            raise IllegalTransition("apply now", "the listing has expired")
        return candidate, job

    def _ready_to_send(
        self, application: Application, candidate: Candidate, job: Job, prepare: Preparer, now: datetime
    ) -> CompanyPacing:
        """Queue (full mode) or prepare (approve mode) the candidate's chosen application, and
        count it for the company (counted, never refused: the candidate chose it)."""
        if candidate.auto_apply.mode == "approve":
            if not application.can("prepare_submission"):
                raise IllegalTransition("apply now", f"the application is {application.status.value}")
            prepare_for_approval(application, candidate, job, prepare, {**candidate.auto_apply.effective(), "apply_now": True})
        else:
            application.apply_now(Actor.CANDIDATE)
        pacing = self.get_pacing(candidate.id, job.company)
        pacing.count(application.id, now, limit=None)
        return pacing

    def note_skipped(self, aid: UUID, skip_reason: str) -> int:
        """Record why a queued application is not sent yet (e.g. the daily cap); a repeat records nothing."""
        return self._update(aid, None, lambda a: a.skip_sending(skip_reason), kind=Application)

    def get_pacing(self, candidate_id: UUID, company: str) -> CompanyPacing:
        """The candidate's count for this company (a new, unsaved one if nothing was counted yet)."""
        try:
            return self._get(pacing_id(candidate_id, company), kind=CompanyPacing)
        except NotFound:
            return CompanyPacing.open(candidate_id, company)

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def approve_submission(self, application_id: UUID, by: Actor, now: datetime) -> int:
        """The candidate approves exactly the prepared submission; it is queued for sending.
        Refused unless the candidate may still send (approve or full mode, with consent)."""

        def approve(application: Application) -> None:
            refusal = sending_refusal(self.get_candidate(application.candidate_id))
            if refusal:
                raise IllegalTransition("approve the submission", refusal)
            application.approve_submission(by, now)

        return self._update(application_id, None, approve, kind=Application)

    def reject_submission(self, application_id: UUID, by: Actor) -> int:
        return self._update(application_id, None, lambda a: a.reject_submission(by), kind=Application)

    def expire_preparation(self, application_id: UUID, now: datetime) -> int:
        return self._update(application_id, None, lambda a: a.expire_preparation(now), kind=Application)

    def act_on_many(
        self, action: str, ids: Iterable[UUID], by: Actor, owner: UUID | None, now: datetime
    ) -> list[ItemOutcome]:
        """One bulk request: each application gets its own command and events, and its own
        outcome. ``owner`` limits it to one candidate's applications (None: staff, any);
        another's application is reported exactly as a missing one."""
        commands: dict[str, Callable[[UUID], int]] = {
            "shortlist": lambda aid: self.move_application(aid, "shortlist", by),
            "withdraw": lambda aid: self.move_application(aid, "withdraw", by),
            "approve": lambda aid: self.approve_submission(aid, by, now),
            "reject": lambda aid: self.reject_submission(aid, by),
        }
        if action not in commands:
            raise InvalidValue(f"action must be one of {', '.join(commands)}")
        return [self._act_on_one(aid, commands[action], owner) for aid in dict.fromkeys(ids)]

    def _act_on_one(self, aid: UUID, command: Callable[[UUID], int], owner: UUID | None) -> ItemOutcome:
        try:
            if owner is not None and self.get_application(aid).candidate_id != owner:
                raise NotFound(aid)
            position = command(aid)
        except NotFound:
            return ItemOutcome(aid, "not_found", "no such application")
        except IllegalTransition as exc:
            return ItemOutcome(aid, "invalid_transition", str(exc), status=self.get_application(aid).status.value)
        except ConcurrentUpdate:
            return ItemOutcome(aid, "conflict", "another change won the race; read it again and retry")
        except DomainError as exc:
            return ItemOutcome(aid, "invalid", str(exc))
        return ItemOutcome(aid, "ok", "", status=self.get_application(aid).status.value, position=position)

    def get_application(self, application_id: UUID) -> Application:
        return self._get(application_id, kind=Application)

    def move_application(
        self, application_id: UUID, action: str, by: Actor, expected_version: int | None = None, **details: Any
    ) -> int:
        if action not in CANDIDATE_ACTIONS | SYSTEM_ACTIONS:
            raise InvalidValue(f"unknown action {action!r}; known: {', '.join(sorted(CANDIDATE_ACTIONS | SYSTEM_ACTIONS))}")
        if by is Actor.CANDIDATE and action not in CANDIDATE_ACTIONS:
            raise InvalidValue(f"{action} is done by Jobraker, not by the candidate")
        if action in CANDIDATE_ACTIONS:
            details["by"] = by
        return self._update(application_id, expected_version, lambda a: getattr(a, action)(**details), kind=Application)

    def add_note(self, application_id: UUID, text: str, by: Actor) -> int:
        return self._update(application_id, None, lambda a: a.add_note(text, by), kind=Application)

    # Accountability.

    def record_access(self, subject_id: UUID, reader_id: UUID, role: str, what: str) -> int:
        return self._save(DataAccess.record(subject_id, reader_id, role, what))

    def record_staff_action(self, staff_id: UUID, role: str, action: str, target: str, count: int) -> UUID:
        """An operator's action on the system itself (not on an aggregate with a command of its own)."""
        action_record = StaffAction.record(staff_id, role, action, target, count)
        self._save(action_record)
        return action_record.id

    # Notifications.

    def send_notification(self, cause: str, candidate_id: UUID, kind: str, message: str, link: str = "") -> int:
        """Send a notification once per cause: a repeat (e.g. a redelivered message) records nothing."""
        try:
            return self._save(Notification.send(cause, candidate_id, kind, message, link))
        except IntegrityError:
            return 0

    def mark_notification_read(self, notification_id: UUID, candidate_id: UUID) -> int:
        def mark(notification: Notification) -> None:
            if notification.candidate_id != candidate_id:
                raise NotFound(notification_id)
            notification.mark_read()

        return self._update(notification_id, None, mark, kind=Notification)

    # Notification settings and job alerts.

    def get_notification_settings(self, candidate_id: UUID) -> NotificationSettings:
        """The candidate's settings; never changed means every switch on (an unsaved default)."""
        try:
            return self._get(notification_settings_id(candidate_id), kind=NotificationSettings)
        except NotFound:
            return NotificationSettings(candidate_id=candidate_id)

    def change_notification_settings(self, candidate_id: UUID, changes: dict[str, bool]) -> int:
        for _ in range(3):
            settings = self.get_notification_settings(candidate_id)
            settings.change(**changes)
            try:
                return self._save(settings)
            except IntegrityError:  # created or changed concurrently: re-read and re-apply
                continue
        raise ConcurrentUpdate(notification_settings_id(candidate_id))

    def create_alert(
        self, candidate_id: UUID, name: str, criteria: dict[str, Any], frequency: str
    ) -> tuple[UUID, int]:
        alert = JobAlert.create(candidate_id, name, AlertCriteria.from_dict(criteria), frequency)
        return alert.id, self._save(alert)

    def get_alert(self, alert_id: UUID, candidate_id: UUID | None = None) -> JobAlert:
        """The alert; to a candidate who does not own it, it does not exist."""
        alert = self._get(alert_id, kind=JobAlert)
        if candidate_id is not None and alert.candidate_id != candidate_id:
            raise NotFound(alert_id)
        return alert

    def change_alert(
        self, alert_id: UUID, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None
    ) -> int:
        criteria = changes.get("criteria")

        def change(alert: JobAlert) -> None:
            self.get_alert(alert_id, candidate_id)  # ownership, checked on the state being changed
            merged = None if criteria is None else AlertCriteria.from_dict({**criteria_fields(alert.criteria), **criteria})
            alert.change(name=changes.get("name"), criteria=merged, frequency=changes.get("frequency"))

        return self._update(alert_id, expected_version, change, kind=JobAlert)

    def unsubscribe_alert(self, alert_id: UUID, via: str, candidate_id: UUID | None = None) -> int:
        """Unsubscribe by the owner (``candidate_id``) or by a signed link (no candidate given)."""
        self.get_alert(alert_id, candidate_id)
        return self._update(alert_id, None, lambda alert: alert.unsubscribe(via), kind=JobAlert)

    # The answer bank (domain/answers.py).

    def get_answer_bank(self, candidate_id: UUID) -> AnswerBank:
        """The candidate's answers; none given yet reads as an empty bank (saved on the first answer)."""
        try:
            return self._get(answer_bank_id(candidate_id), kind=AnswerBank)
        except NotFound:
            return AnswerBank(candidate_id=candidate_id)

    def set_answer(self, candidate_id: UUID, topic: str, question: str, answer: str) -> tuple[UUID, int]:
        """Record the candidate's answer to a question (a seeded topic or ``custom``)."""
        self._require_may_answer(candidate_id)
        for _ in range(3):
            bank = self.get_answer_bank(candidate_id)
            aid = bank.set_answer(topic, question, answer)
            try:
                return aid, self._save(bank)
            except IntegrityError:  # created or changed concurrently: re-read and re-apply
                continue
        raise ConcurrentUpdate(answer_bank_id(candidate_id))

    def remove_answer(self, candidate_id: UUID, aid: UUID) -> int:
        return self._update(answer_bank_id(candidate_id), None, lambda bank: bank.remove_answer(aid), kind=AnswerBank)

    def answer_question(self, application_id: UUID, answer: str, by: Actor, question: str | None = None) -> tuple[UUID, int]:
        """The candidate answers the question an application waits on: the answer goes into the
        bank and the application is queued again for a new run, in one transaction."""
        for _ in range(3):
            application = self.get_application(application_id)
            if application.status is not Status.NEEDS_INPUT or not application.question:
                raise IllegalTransition("answer the question", f"the application is {application.status.value}")
            self._require_may_answer(application.candidate_id)
            bank = self.get_answer_bank(application.candidate_id)
            aid = bank.set_answer(CUSTOM, question or question_of(application.question), answer)
            application.provide_input(by)
            try:
                return aid, self._save(bank, application)
            except IntegrityError:
                continue
        raise ConcurrentUpdate(application_id)

    def _require_may_answer(self, candidate_id: UUID) -> None:
        candidate = self.get_candidate(candidate_id)
        if candidate.is_erased or not candidate.is_active:
            raise IllegalTransition("record an answer", "the candidate is erased" if candidate.is_erased else "the candidate is deactivated")

    # Plumbing.

    def _get(self, aggregate_id: UUID, *, kind: type[A]) -> A:
        """The aggregate of this kind. An id of another kind is not found either: ids come from
        clients, and one of another aggregate must answer exactly as an unknown one."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFound(aggregate_id)
        return aggregate

    def _update(
        self, aggregate_id: UUID, expected_version: int | None, command: Callable[[A], None], *, kind: type[A]
    ) -> int:
        """Load, check the caller's version, run the command, save; retry a lost race once
        when the caller gave no version (the command re-runs on the fresh state)."""
        for _ in range(3 if expected_version is None else 1):
            aggregate = self._get(aggregate_id, kind=kind)
            if expected_version is not None and aggregate.version != expected_version:
                raise StaleVersion(aggregate.version)
            command(aggregate)
            if not aggregate.pending_events:
                return 0
            try:
                return self._save(aggregate)
            except IntegrityError:
                continue
        raise ConcurrentUpdate(aggregate_id)

    def save_in_batches(self, aggregates: Iterable[Any]) -> int:
        """Save many aggregates, at most MAX_EVENTS_PER_SAVE events per transaction.

        Each aggregate's events stay together in one save; the batches are not
        atomic with each other, so callers must be safe to retry (ids are deterministic).
        """
        batch: list[Any] = []
        pending = 0
        position = 0
        for aggregate in aggregates:
            count = len(aggregate.pending_events)
            if batch and pending + count > MAX_EVENTS_PER_SAVE:
                position = self._save(*batch)
                batch, pending = [], 0
            batch.append(aggregate)
            pending += count
        if batch:
            position = self._save(*batch)
        return position

    def _save(self, *aggregates: Any) -> int:
        if not any(a.pending_events for a in aggregates):
            return 0
        recordings = self.save(*aggregates)
        return max(r.notification.id for r in recordings)


class ApplicationExists(DomainError):
    """The candidate already has an application for this job."""


# A submission prepared for approval: the payload that would be sent, and when the offer lapses;
# optionally a third item, the cover letter written for it and the guard's verdict (or None).
Preparer = Callable[[Candidate, Job], tuple[Any, ...]]


def prepare_for_approval(
    application: Application, candidate: Candidate, job: Job, prepare: Preparer, automation: dict[str, Any]
) -> None:
    payload, expires_at, *letter = prepare(candidate, job)
    if letter and letter[0] is not None:
        application.review_cover_letter(**letter[0])
    application.prepare_submission(payload, expires_at, automation)

# API names of the automation settings → the value object's fields (levels are overrides).
AUTOMATION_FIELDS = {
    "mode": "mode", "strategy": "strategy", "min_score": "min_score_override",
    "daily_cap": "daily_cap_override", "strict_filters": "strict_filters_override",
    "company_limit": "company_limit_override",
}


@dataclass(frozen=True)
class ItemOutcome:
    """What one item of a bulk request came to."""

    id: UUID
    outcome: str  # ok | not_found | invalid_transition | conflict | invalid
    detail: str
    status: str | None = None
    position: int | None = None


def sending_refusal(candidate: Candidate) -> str:
    """Why nothing may be sent for this candidate now ("" if it may)."""
    if not candidate.is_active:
        return "the candidate is not active"
    if not candidate.auto_apply.enabled:
        return f"automation is in {candidate.auto_apply.mode} mode"
    if not candidate.address_verified:
        return UNVERIFIED
    if not candidate.has_consent("auto_apply"):
        return "auto-apply consent has not been given"
    return ""


def legacy_automation_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The on/off form's fields as automation changes (see change_auto_apply)."""
    translated = {k: v for k, v in changes.items() if k in ("min_score", "daily_cap")}
    if "enabled" in changes:
        translated["mode"] = "full" if changes["enabled"] else "off"
    return translated


def _editable(value: T | Erased) -> T:
    """A candidate's profile or preferences, to change. An erased candidate has none."""
    if isinstance(value, Erased):
        raise IllegalTransition("change what the candidate wants", "the candidate is erased")
    return value


def _tuples(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}


def normalise_email(email: str) -> str:
    return email.strip().lower()
