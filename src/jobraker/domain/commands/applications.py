"""Applications: matches and the decision they carry, applying now, approval, moves through
the pipeline, notes, bulk requests; counted per company (domain/pacing.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from jobraker.domain.application import NOT_YET_SENT, Actor, Application, application_id
from jobraker.domain.candidate import UNVERIFIED, Candidate
from jobraker.domain.commands.candidates import CandidateCommands
from jobraker.domain.commands.jobs import JobCommands
from jobraker.domain.errors import (
    ApplicationExists,
    ConcurrentUpdate,
    DomainError,
    IllegalTransition,
    InvalidValue,
    NotFound,
)
from jobraker.domain.job import Job
from jobraker.domain.pacing import CompanyPacing, pacing_id
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

# A submission prepared for approval: the payload that would be sent, and when the offer lapses;
# optionally a third item, the cover letter written for it and the guard's verdict (or None).
Preparer = Callable[[Candidate, Job], tuple[Any, ...]]


class ApplicationCommands(CandidateCommands, JobCommands):
    """Applications from match to outcome; they need the candidate and the job."""

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

        def apply() -> int:
            application = self.get_application(aid)
            if application.candidate_id != candidate_id:
                raise NotFound(aid)
            candidate, job = self._may_apply_now(candidate_id, application.job_id)
            pacing = self._ready_to_send(application, candidate, job, prepare, now)
            return self._save(application, pacing)

        # The application or the company's count moved meanwhile: decide again.
        return self._retrying(aid, apply)

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

    def record_employer_mail(
        self, application_id: UUID, mail: EmployerMail, *, move_now: bool
    ) -> tuple[str, bool, int]:
        """Keep an employer's mail on the timeline and, with ``move_now`` (full automation, the
        rules' reading), make the move it implies by the system. Returns the move it implies ("" if
        none is open), whether it was made, and the application's version after the save."""
        outcome: list[tuple[str, bool, int]] = []

        def record(application: Application) -> None:
            proposed = application.record_mail(mail.kind, mail.sender_domain, mail.subject, mail.interview_at,
                                               read_by=mail.read_by)
            moved = bool(proposed) and move_now and _move_for_mail(application, proposed, mail.interview_at)
            outcome.append((proposed, moved, application.version))

        self._update(application_id, None, record, kind=Application)
        return outcome[-1]

    def withdraw_unsent(self, application_id: UUID, reason: str = "") -> int:
        """Withdraw an application not sent yet, by the system (its listing expired, its candidate
        is being erased); 0 when it was sent or withdrawn meanwhile (nothing to do)."""

        def withdraw(application: Application) -> None:
            if application.status in NOT_YET_SENT:
                application.withdraw(Actor.SYSTEM, reason=reason)

        return self._update(application_id, None, withdraw, kind=Application)


@dataclass(frozen=True)
class EmployerMail:
    """What an employer's mail said, as the inbox read it (inbox/classify.py)."""

    kind: str  # MAIL_KINDS
    sender_domain: str
    subject: str
    interview_at: datetime | None
    read_by: str  # MAIL_READERS


def _move_for_mail(application: Application, action: str, interview_at: datetime | None) -> bool:
    """The move a mail implies, by the system; False when it is not open after all (an
    interview without a date is left to the candidate)."""
    try:
        if action == "schedule_interview":
            if interview_at is None:
                return False
            application.schedule_interview(interview_at, Actor.SYSTEM)
        else:
            getattr(application, action)(Actor.SYSTEM)
    except DomainError:
        return False
    return True


def prepare_for_approval(
    application: Application, candidate: Candidate, job: Job, prepare: Preparer, automation: dict[str, Any]
) -> None:
    payload, expires_at, *letter = prepare(candidate, job)
    if letter and letter[0] is not None:
        application.review_cover_letter(**letter[0])
    application.prepare_submission(payload, expires_at, automation)


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
