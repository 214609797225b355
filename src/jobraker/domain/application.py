"""An application: one candidate × one job, from first match to its outcome.

The life of an application is a state machine; ``TRANSITIONS`` is the whole of
it. Commands check it and refuse an illegal move, naming the current state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.personal import Personal
from jobraker.domain.policy import SKIP_REASONS
from jobraker.domain.rules import clean_text

APPLICATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/application")


class Status(str, Enum):
    MATCHED = "matched"
    SHORTLISTED = "shortlisted"
    PENDING_APPROVAL = "pending_approval"  # a prepared submission waits for the candidate
    QUEUED = "queued"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    NEEDS_REVIEW = "needs_review"
    NEEDS_INPUT = "needs_input"  # the employer's form asked a question the candidate has not answered
    UNVERIFIED = "unverified"  # Skyvern finished, but the employer's site showed no confirmation
    FAILED = "failed"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Source(str, Enum):
    MATCHED = "matched"  # found by Jobraker's matching
    MANUAL = "manual"  # tracked by the candidate, who applied on their own


class Actor(str, Enum):
    CANDIDATE = "candidate"
    SYSTEM = "system"
    STAFF = "staff"


S = Status
# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "shortlist": (frozenset({S.MATCHED}), S.SHORTLISTED),
    "queue": (frozenset({S.MATCHED, S.SHORTLISTED}), S.QUEUED),
    # The candidate asks Jobraker to apply to this one now (full mode; approve mode prepares it).
    "apply_now": (frozenset({S.MATCHED, S.SHORTLISTED}), S.QUEUED),
    # Approve-before-submit: prepared, then approved (→ the usual queue), rejected, or expired
    # (the match stays, the prepared submission is dropped and never sent).
    "prepare_submission": (frozenset({S.MATCHED, S.SHORTLISTED}), S.PENDING_APPROVAL),
    "approve_submission": (frozenset({S.PENDING_APPROVAL}), S.QUEUED),
    "reject_submission": (frozenset({S.PENDING_APPROVAL}), S.WITHDRAWN),
    "expire_preparation": (frozenset({S.PENDING_APPROVAL}), S.MATCHED),
    "start_submission": (frozenset({S.QUEUED}), S.SUBMITTING),
    "record_submitted": (frozenset({S.SUBMITTING, S.NEEDS_REVIEW}), S.SUBMITTED),
    "mark_applied": (frozenset({S.MATCHED, S.SHORTLISTED}), S.SUBMITTED),
    "record_failure": (frozenset({S.SUBMITTING}), S.FAILED),
    "requeue": (frozenset({S.FAILED}), S.QUEUED),
    "flag_for_review": (frozenset({S.SUBMITTING}), S.NEEDS_REVIEW),
    # Skyvern answered before starting anything (429 busy, 403 key refused): back in the queue.
    "release_submission": (frozenset({S.SUBMITTING}), S.QUEUED),
    # What the run reported when it stopped (Skyvern's error_code_mapping).
    "record_posting_closed": (frozenset({S.SUBMITTING, S.NEEDS_REVIEW}), S.WITHDRAWN),
    "request_input": (frozenset({S.SUBMITTING}), S.NEEDS_INPUT),
    "record_already_applied": (frozenset({S.SUBMITTING, S.NEEDS_REVIEW}), S.SUBMITTED),
    # The candidate answered the question: a new run is a new intent, queued like any other.
    "provide_input": (frozenset({S.NEEDS_INPUT}), S.QUEUED),
    # Submission verification: finished without a confirmation from the employer's site.
    "record_unverified": (frozenset({S.SUBMITTING, S.NEEDS_REVIEW}), S.UNVERIFIED),
    "confirm_submission": (frozenset({S.UNVERIFIED}), S.SUBMITTED),
    "schedule_interview": (frozenset({S.SUBMITTED, S.INTERVIEWING, S.UNVERIFIED}), S.INTERVIEWING),
    "record_offer": (frozenset({S.SUBMITTED, S.INTERVIEWING, S.UNVERIFIED}), S.OFFER),
    "record_rejection": (frozenset({S.SUBMITTED, S.INTERVIEWING, S.OFFER, S.NEEDS_REVIEW, S.UNVERIFIED}), S.REJECTED),
    "withdraw": (
        frozenset({S.MATCHED, S.SHORTLISTED, S.PENDING_APPROVAL, S.QUEUED, S.SUBMITTED, S.INTERVIEWING, S.OFFER, S.NEEDS_REVIEW, S.FAILED,
                   S.UNVERIFIED, S.NEEDS_INPUT}),
        S.WITHDRAWN,
    ),
}
TERMINAL = frozenset({S.REJECTED, S.WITHDRAWN})
# Not sent to an employer, and not on its way now (SUBMITTING is): withdrawn when the listing
# expires (appliers/expired_listings.py) or the candidate is erased (privacy/erasure.py).
NOT_YET_SENT = frozenset({S.MATCHED, S.SHORTLISTED, S.PENDING_APPROVAL, S.QUEUED, S.FAILED, S.NEEDS_INPUT})
# Statuses an application reaches only once it went (or may have gone) to the employer.
REACHED_EMPLOYER = frozenset({S.SUBMITTING, S.SUBMITTED, S.NEEDS_REVIEW, S.UNVERIFIED, S.INTERVIEWING, S.OFFER})
# What an employer's mail can be (inbox/classify.py), and the move each kind implies.
MAIL_KINDS = ("confirmation", "rejection", "interview", "offer", "other")
MAIL_READERS = ("rules", "model")  # who read what a mail says (inbox/classify.py, inbox/second_opinion.py)
MAIL_MOVES = {"confirmation": "confirm_submission", "rejection": "record_rejection",
              "interview": "schedule_interview", "offer": "record_offer"}
# What becomes of a prepared submission when the application leaves pending approval.
# Moves after which a match is on its way again: an earlier skip reason no longer holds.
SENDING_STATUSES = frozenset({S.QUEUED, S.PENDING_APPROVAL, S.SUBMITTING, S.SUBMITTED})
PREPARATION_OUTCOMES = {
    "approve_submission": "approved", "reject_submission": "rejected",
    "expire_preparation": "expired", "withdraw": "withdrawn",
}


@dataclass(frozen=True)
class Preparation:
    """A submission prepared for the candidate's approval: exactly what would be sent."""

    payload: dict[str, Any]
    expires_at: datetime
    automation: dict[str, Any]
    state: str = "awaiting"  # awaiting | approved | rejected | expired | withdrawn


def application_id(candidate_id: UUID, job_id: UUID) -> UUID:
    """One application per candidate and job: the id is derived from both."""
    return uuid5(APPLICATION_NAMESPACE, f"{candidate_id}:{job_id}")


class Application(Aggregate):
    """One candidate's application to one job. Its personal fields belong to the candidate
    (``data_subject_field`` on each event), so erasing the candidate erases them too."""

    class Started(Aggregate.Created):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        job_id: UUID
        source: str
        status: str
        score: int | None
        model: str
        # Skills matched and missing: together the candidate's skill list. Sealed since
        # issue 12; older events hold it in plaintext and still load (the mapper opens only
        # sealed values), see docs/architecture.md "What is sealed where".
        explanation: Personal[dict[str, Any]]
        by: str

    class StatusChanged(Aggregate.Event):
        """The application moved; ``action`` says which business step moved it."""

        data_subject_field = "candidate_id"

        candidate_id: UUID
        action: str
        status: str
        by: str
        reason: Personal[str]
        retryable: bool | None
        at: datetime | None

    class SubmissionSent(Aggregate.Event):
        """What was sent to the applier (or, dry-run, what would have been) and its run id.
        Version 2 added ``applier``: "skyvern", "sandbox" (the offline stand-in) or "dry-run";
        version 3 ``resume_id``: which of the candidate's resumes went (the funnel per resume)."""

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["applier"] = "dry-run" if state["dry_run"] else "skyvern"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["resume_id"] = None

        data_subject_field = "candidate_id"

        candidate_id: UUID
        payload: Personal[dict[str, Any]]
        run_id: str
        dry_run: bool
        applier: str
        resume_id: UUID | None

    class RunReported(Aggregate.Event):
        """What Skyvern reported at the end of a run: its status, the error code it stopped with (if
        any) and links to look at (recording, screenshots, Skyvern's app). Sealed: the screenshots
        show the candidate's details as typed into the form."""

        data_subject_field = "candidate_id"

        candidate_id: UUID
        run_id: str
        run_status: str
        error_code: str
        evidence: Personal[dict[str, Any]]

    class SubmissionPrepared(Aggregate.Event):
        """What would be sent if the candidate approves, until when they may, and the
        automation values (mode, strategy, levels) that decided to prepare it."""

        data_subject_field = "candidate_id"

        candidate_id: UUID
        payload: Personal[dict[str, Any]]
        expires_at: datetime
        automation: dict[str, Any]

    class MailReceived(Aggregate.Event):
        """An employer's mail about this application, read from the candidate's inbox (inbox/):
        what it says (``kind``: confirmation | rejection | interview | offer | other) and who read
        it so (``read_by``: the rules, or the chat model for a mail the rules could not place),
        the interview date when it gave one, the sender's domain and subject line (sealed), never
        the body. ``proposed`` is the move it implies (a key of TRANSITIONS, or empty): applied at
        once in full automation when the rules read it, otherwise left for the candidate to
        confirm (POST .../transitions)."""

        data_subject_field = "candidate_id"

        candidate_id: UUID
        kind: str
        sender_domain: Personal[str]
        subject: Personal[str]
        interview_at: datetime | None
        proposed: str
        read_by: str = "rules"  # mails recorded before the model's second opinion: the rules

    class SendSkipped(Aggregate.Event):
        """Jobraker did not send this match, and why: a code of policy.SKIP_REASONS, never text."""

        data_subject_field = "candidate_id"

        candidate_id: UUID
        skip_reason: str

    class CoverLetterReviewed(Aggregate.Event):
        """A cover letter a chat model wrote for this application, and the fabrication guard's
        verdict (domain/fabrication.py): passed, or what it claims that the candidate's data does
        not hold. The letter and the invented claims are personal data, sealed."""

        data_subject_field = "candidate_id"

        candidate_id: UUID
        letter: Personal[str]
        passed: bool
        invented: Personal[list[dict[str, str]]]
        model: str

    class NoteAdded(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        text: Personal[str]
        by: str

    @staticmethod
    def create_id(candidate_id: UUID, job_id: UUID, **_: object) -> UUID:
        return application_id(candidate_id, job_id)

    @classmethod
    def match(
        cls, candidate_id: UUID, job_id: UUID, score: int, model: str = "", explanation: dict[str, Any] | None = None,
        by: Actor = Actor.SYSTEM,
    ) -> Application:
        """Record a match that drives a decision, with the score, the model and why."""
        if not 0 <= score <= 100:
            raise InvalidValue("score must be between 0 and 100")
        return cls(candidate_id, job_id, Source.MATCHED.value, S.MATCHED.value, score, model, explanation or {}, by.value)

    @classmethod
    def choose(cls, candidate_id: UUID, job_id: UUID, score: int | None, model: str, explanation: dict[str, Any]) -> Application:
        """A listing the candidate chose to apply to now: with its match score if there is one yet
        (a listing not embedded yet has none)."""
        if score is None:
            return cls(candidate_id, job_id, Source.MATCHED.value, S.MATCHED.value, None, "", explanation, Actor.CANDIDATE.value)
        return cls.match(candidate_id, job_id, score, model, explanation, by=Actor.CANDIDATE)

    @classmethod
    def track_manual(cls, candidate_id: UUID, job_id: UUID, applied: bool, by: Actor = Actor.CANDIDATE) -> Application:
        status = S.SUBMITTED if applied else S.SHORTLISTED
        return cls(candidate_id, job_id, Source.MANUAL.value, status.value, None, "", {}, by.value)

    @event(Started)
    def __init__(
        self, candidate_id: UUID, job_id: UUID, source: str, status: str, score: int | None, model: str,
        explanation: dict[str, Any], by: str,
    ) -> None:
        self.candidate_id = candidate_id
        self.job_id = job_id
        self.source = Source(source)
        self.status = Status(status)
        self.score = score
        self.match_model = model
        self.explanation = explanation
        self.history: list[Status] = [self.status]
        self.failure: tuple[str, bool] | None = None
        self.interviews: list[datetime] = []
        self.notes = 0
        self.submitted_once = self.status is S.SUBMITTED
        self.run_id: str | None = None
        self.dry_run = False
        self.applier: str | None = None
        self.preparation: Preparation | None = None
        self.question: str | None = None  # what the employer's form asked (needs input); sealed in the event
        self.run_report: dict[str, Any] | None = None  # the last run's status, error code and evidence links
        self.mail_proposal: tuple[str, datetime | None] | None = None  # a move an employer's mail implies
        self.skip_reason: str | None = None  # why it is not being sent (policy.SKIP_REASONS), if it is not
        self.cover_letter: dict[str, Any] | None = None  # the last letter written for it and the guard's verdict

    # Commands. Each checks TRANSITIONS and records one StatusChanged event.

    def shortlist(self, by: Actor) -> None:
        self._move("shortlist", by)

    def queue(self, by: Actor = Actor.SYSTEM) -> None:
        self._move("queue", by)

    def apply_now(self, by: Actor) -> None:
        """The candidate's own request to send this one (the caller checked they may send)."""
        self._move("apply_now", by)

    def skip_sending(self, skip_reason: str) -> None:
        """Record why this match is not sent (once per reason in a row: a repeat records nothing)."""
        if skip_reason not in SKIP_REASONS:
            raise InvalidValue(f"skip reason must be one of {', '.join(sorted(SKIP_REASONS))}")
        if skip_reason != self.skip_reason:
            self._send_skipped(candidate_id=self.candidate_id, skip_reason=skip_reason)

    def review_cover_letter(self, letter: str, passed: bool, invented: list[dict[str, str]], model: str) -> None:
        """Keep a letter written for this application with the guard's verdict (not a move)."""
        if self.is_terminal:
            raise IllegalTransition("review a cover letter", f"the application is {self.status.value}")
        self._cover_letter_reviewed(candidate_id=self.candidate_id, letter=letter, passed=passed, invented=invented,
                                    model=model)

    def start_submission(self) -> None:
        self._move("start_submission", Actor.SYSTEM)

    def record_submitted(self, by: Actor = Actor.SYSTEM, confirmation: str = "") -> None:
        """``confirmation``: what the employer's site showed, kept as the step's reason."""
        reason = clean_text("confirmation", confirmation, max_length=500) if confirmation.strip() else ""
        self._move("record_submitted", by, reason=reason)

    def mark_applied(self, by: Actor) -> None:
        self._move("mark_applied", by)

    def record_failure(self, reason: str, retryable: bool) -> None:
        self._move("record_failure", Actor.SYSTEM, reason=clean_text("reason", reason, max_length=500), retryable=retryable)

    def requeue(self, by: Actor = Actor.SYSTEM) -> None:
        if self.can("requeue") and self.failure is not None and not self.failure[1]:
            raise IllegalTransition("requeue", "failed and not retryable")
        self._move("requeue", by)

    def flag_for_review(self, reason: str) -> None:
        self._move("flag_for_review", Actor.SYSTEM, reason=clean_text("reason", reason, max_length=500))

    def release_submission(self, reason: str) -> None:
        """Skyvern refused before any run existed (429, 403): queued again, nothing was sent.
        Never once a run is on record: that one may have started."""
        if self.can("release_submission") and (self.run_id is not None or self.dry_run):
            raise IllegalTransition("release submission", "a submission was already sent")
        self._move("release_submission", Actor.SYSTEM, reason=clean_text("reason", reason, max_length=500))

    def record_posting_closed(self, reason: str) -> None:
        """The run found the posting closed: withdrawn, saying so."""
        self._move("record_posting_closed", Actor.SYSTEM, reason=clean_text("reason", reason, max_length=500))

    def request_input(self, question: str) -> None:
        """The form asked something the candidate has not answered; the run stopped without submitting.
        ``question`` comes from the employer's form (untrusted listing text; sealed like any reason)."""
        self._move("request_input", Actor.SYSTEM, reason=clean_text("question", question, max_length=500))

    def record_already_applied(self, reason: str) -> None:
        """The employer's site says the candidate applied before: submitted, though not by this run."""
        self._move("record_already_applied", Actor.SYSTEM, reason=clean_text("reason", reason, max_length=500))

    def provide_input(self, by: Actor) -> None:
        """The question is answered: queued again for a new run."""
        self._move("provide_input", by)

    def record_unverified(self, reason: str) -> None:
        """The applier finished but nothing shows the employer received it; the reason says what was seen."""
        self._move("record_unverified", Actor.SYSTEM, reason=clean_text("reason", reason, max_length=500))

    def confirm_submission(self, by: Actor) -> None:
        """The candidate (e.g. holding the employer's e-mail) confirms an unverified submission arrived."""
        self._move("confirm_submission", by)

    def schedule_interview(self, at: datetime, by: Actor) -> None:
        self._move("schedule_interview", by, at=at)

    def record_offer(self, by: Actor) -> None:
        self._move("record_offer", by)

    def record_rejection(self, by: Actor) -> None:
        self._move("record_rejection", by)

    def withdraw(self, by: Actor, reason: str = "") -> None:
        self._move("withdraw", by, reason=clean_text("reason", reason, max_length=500, required=False))

    def record_submission_sent(
        self, payload: dict[str, Any], run_id: str, dry_run: bool, applier: str = "", resume_id: UUID | None = None
    ) -> None:
        """Recorded once per run intent, while submitting: never a second submission for one intent
        (a new intent exists only after a run stopped unsent for a question the candidate then answered)."""
        if self.status is not S.SUBMITTING:
            raise IllegalTransition("record a submission", f"the application is {self.status.value}")
        if self.run_id is not None or self.dry_run:
            raise IllegalTransition("record a submission", "a submission was already sent")
        applier = applier or ("dry-run" if dry_run else "skyvern")
        self._submission_sent(candidate_id=self.candidate_id, payload=payload, run_id=run_id, dry_run=dry_run,
                              applier=applier, resume_id=resume_id)

    def record_run_report(self, run_id: str, run_status: str, error_code: str, evidence: dict[str, Any]) -> None:
        """Keep what Skyvern reported about the run sent for this application (not a move)."""
        if self.run_id is not None and run_id != self.run_id:
            raise IllegalTransition("record a run report", f"run {run_id} is not this application's current run")
        self._run_reported(candidate_id=self.candidate_id, run_id=run_id, run_status=run_status,
                           error_code=error_code, evidence=evidence)

    def prepare_submission(self, payload: dict[str, Any], expires_at: datetime, automation: dict[str, Any]) -> None:
        """Record what would be sent and wait for the candidate (approve mode)."""
        if not self.can("prepare_submission"):
            raise IllegalTransition("prepare submission", f"the application is {self.status.value}")
        self._submission_prepared(
            candidate_id=self.candidate_id, payload=payload, expires_at=expires_at, automation=automation
        )
        self._move("prepare_submission", Actor.SYSTEM)

    def approve_submission(self, by: Actor, now: datetime) -> None:
        """Approve exactly the prepared submission, while its approval window is open."""
        if self.can("approve_submission") and self.preparation is not None and now >= self.preparation.expires_at:
            raise IllegalTransition("approve submission", "the approval window has passed")
        self._move("approve_submission", by)

    def reject_submission(self, by: Actor) -> None:
        self._move("reject_submission", by)

    def expire_preparation(self, now: datetime) -> None:
        """Drop a preparation whose approval window has passed (it is never sent)."""
        if self.can("expire_preparation") and self.preparation is not None and now < self.preparation.expires_at:
            raise IllegalTransition("expire the preparation", f"it awaits approval until {self.preparation.expires_at.isoformat()}")
        self._move("expire_preparation", Actor.SYSTEM, reason="the approval window passed")

    @property
    def approved_payload(self) -> dict[str, Any] | None:
        """The payload the candidate approved, if they approved the current preparation."""
        if self.preparation is not None and self.preparation.state == "approved":
            return self.preparation.payload
        return None

    def record_mail(self, kind: str, sender_domain: str, subject: str, interview_at: datetime | None,
                    read_by: str = "rules") -> str:
        """Keep an employer's mail on the timeline (not a move); returns the move it implies if
        that move is open from here ("" otherwise), which the caller applies or leaves proposed."""
        if kind not in MAIL_KINDS:
            raise InvalidValue(f"kind must be one of {', '.join(MAIL_KINDS)}")
        if read_by not in MAIL_READERS:
            raise InvalidValue(f"read_by must be one of {', '.join(MAIL_READERS)}")
        action = MAIL_MOVES.get(kind, "")
        proposed = action if action and self.can(action) else ""
        self._mail_received(candidate_id=self.candidate_id, kind=kind, sender_domain=sender_domain[:253],
                            subject=clean_text("subject", subject, max_length=300, required=False),
                            interview_at=interview_at, proposed=proposed, read_by=read_by)
        return proposed

    def add_note(self, text: str, by: Actor) -> None:
        self._note_added(candidate_id=self.candidate_id, text=clean_text("note", text, max_length=5000), by=by.value)

    # Queries.

    def can(self, action: str) -> bool:
        sources, _ = TRANSITIONS[action]
        return self.status in sources

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def reached_employer(self) -> bool:
        """The employer may have it: the candidate applied themselves, or a run went out."""
        return self.source is Source.MANUAL or any(status in REACHED_EMPLOYER for status in self.history)

    def _move(self, action: str, by: Actor, *, reason: str = "", retryable: bool | None = None, at: datetime | None = None) -> None:
        if not self.can(action):
            raise IllegalTransition(action.replace("_", " "), f"the application is {self.status.value}")
        _, target = TRANSITIONS[action]
        self._status_changed(
            candidate_id=self.candidate_id, action=action, status=target.value, by=Actor(by).value,
            reason=reason, retryable=retryable, at=at,
        )

    @event(StatusChanged)
    def _status_changed(
        self, candidate_id: UUID, action: str, status: str, by: str, reason: str, retryable: bool | None, at: datetime | None
    ) -> None:
        self.status = Status(status)
        self.history.append(self.status)
        self.mail_proposal = None  # a move since the mail settles (or outdates) what it proposed
        if self.status is S.FAILED:
            self.failure = (reason, bool(retryable))
        if self.status is S.SUBMITTED:
            self.submitted_once = True
        self.question = reason if action == "request_input" else None
        if action == "provide_input":
            # A new run is a new intent: the earlier run (which stopped unsent) no longer blocks one.
            self.run_id, self.dry_run = None, False
        if at is not None:
            self.interviews.append(at)
        if self.status in SENDING_STATUSES or self.status in TERMINAL:
            self.skip_reason = None
        if self.status is S.NEEDS_INPUT:  # the move itself says why (no SendSkipped of its own)
            self.skip_reason = "needs_input"
        if self.preparation is not None and self.preparation.state == "awaiting" and action in PREPARATION_OUTCOMES:
            self.preparation = replace(self.preparation, state=PREPARATION_OUTCOMES[action])

    @event(SubmissionPrepared)
    def _submission_prepared(
        self, candidate_id: UUID, payload: dict[str, Any], expires_at: datetime, automation: dict[str, Any]
    ) -> None:
        self.preparation = Preparation(payload, expires_at, automation)

    @event(SubmissionSent)
    def _submission_sent(
        self, candidate_id: UUID, payload: dict[str, Any], run_id: str, dry_run: bool, applier: str, resume_id: UUID | None
    ) -> None:
        self.run_id = run_id or None
        self.dry_run = dry_run
        self.applier = applier

    @event(RunReported)
    def _run_reported(self, candidate_id: UUID, run_id: str, run_status: str, error_code: str, evidence: dict[str, Any]) -> None:
        self.run_report = {"run_id": run_id, "run_status": run_status, "error_code": error_code}

    @event(MailReceived)
    def _mail_received(self, candidate_id: UUID, kind: str, sender_domain: str, subject: str,
                       interview_at: datetime | None, proposed: str, read_by: str = "rules") -> None:
        self.mail_proposal = (proposed, interview_at) if proposed else None

    @event(SendSkipped)
    def _send_skipped(self, candidate_id: UUID, skip_reason: str) -> None:
        self.skip_reason = skip_reason

    @event(CoverLetterReviewed)
    def _cover_letter_reviewed(
        self, candidate_id: UUID, letter: str, passed: bool, invented: list[dict[str, str]], model: str
    ) -> None:
        self.cover_letter = {"letter": letter, "passed": passed, "invented": invented, "model": model}

    @event(NoteAdded)
    def _note_added(self, candidate_id: UUID, text: str, by: str) -> None:
        self.notes += 1
