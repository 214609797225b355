"""Property tests for the Application aggregate: every command, legal or not, against a model.

The model is the ``TRANSITIONS`` table read independently of the aggregate's own
``can()``: a legal command records exactly one ``StatusChanged`` event; an illegal
one raises ``IllegalTransition`` naming the current state and records nothing.
Replaying the recorded events always rebuilds the live aggregate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from jobraker.domain.application import (
    PREPARATION_OUTCOMES,
    TERMINAL,
    TRANSITIONS,
    Actor,
    Application,
    Status,
    application_id,
)
from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.policy import SKIP_REASONS

S = Status

# ---------------------------------------------------------------------------
# Strategies

# clean_text refuses control (Cc) and surrogate (Cs) characters except newline and tab.
SAFE_CHARS = st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t ")
actors = st.sampled_from(list(Actor))
interview_times = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
)


# Approve mode: one prepared payload, and a clock either side of its expiry.
PREPARED_PAYLOAD = {"prompt": "Apply to the job 'Django developer' at Acme", "url": "https://jobs.example.org/1"}
APPROVAL_EXPIRES = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
approval_clock = st.sampled_from(
    [APPROVAL_EXPIRES - timedelta(days=1), APPROVAL_EXPIRES - timedelta(microseconds=1), APPROVAL_EXPIRES,
     APPROVAL_EXPIRES + timedelta(days=3)]
)


def valid_texts(max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(SAFE_CHARS, min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


def invalid_texts(max_length: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["", " ", "\n\t  "]),  # empty once trimmed
        st.tuples(valid_texts(10), st.sampled_from("\x00\x07\x1b\x7f"), valid_texts(10)).map("".join),
        st.just("x" * (max_length + 1)),  # too long
    )


def texts(max_length: int) -> st.SearchStrategy[tuple[str, bool]]:
    """(text, whether the domain must accept it)."""
    return st.one_of(
        valid_texts().map(lambda t: (t, True)),
        invalid_texts(max_length).map(lambda t: (t, False)),
    )


def shortest_path(start: Status, goal: Status) -> list[str] | None:
    """The actions of a shortest legal walk from start to goal, per TRANSITIONS (None if unreachable)."""
    paths: dict[Status, list[str]] = {start: []}
    frontier = [start]
    while frontier:
        status = frontier.pop(0)
        if status is goal:
            return paths[status]
        for action, (sources, target) in TRANSITIONS.items():
            if status in sources and target not in paths:
                paths[target] = paths[status] + [action]
                frontier.append(target)
    return None


def legal_edge(previous: Status, following: Status) -> bool:
    return any(previous in sources and target is following for sources, target in TRANSITIONS.values())


# Actions whose one argument is a text (a reason, or the question the form asked).
TEXT_ACTIONS = ("release_submission", "record_posting_closed", "request_input", "record_already_applied")

STATE_ATTRIBUTES = (
    "id", "version", "status", "history", "failure", "interviews", "notes", "submitted_once",
    "candidate_id", "job_id", "source", "score",
)


def state_of(app: Application) -> dict[str, Any]:
    """Everything the aggregate holds except its pending (unsaved) events."""
    return {k: v for k, v in vars(app).items() if k != "_pending_events"}


def replay(events: list[Any]) -> Application:
    aggregate = None
    for e in events:
        aggregate = e.mutate(aggregate)
    assert aggregate is not None
    return aggregate


# ---------------------------------------------------------------------------
# The model


@dataclass
class Model:
    status: Status
    history: list[Status]
    failure: tuple[str, bool] | None = None
    interviews: list[datetime] = field(default_factory=list)
    notes: int = 0
    preparation: str | None = None  # the prepared submission's state (approve mode)
    skip_reason: str | None = None  # why it is not being sent (a code of SKIP_REASONS)

    @property
    def submitted_once(self) -> bool:
        return S.SUBMITTED in self.history


class ApplicationMachine(RuleBasedStateMachine):
    """Calls every command in any order; the model says which must succeed and what they record."""

    @initialize(
        start=st.sampled_from(["match", "manual_shortlisted", "manual_applied"]),
        score=st.integers(0, 100),
        by=actors,
        goal=st.sampled_from(list(Status)),
        data=st.data(),
    )
    def start(self, start: str, score: int, by: Actor, goal: Status, data: st.DataObject) -> None:
        candidate_id, job_id = uuid4(), uuid4()
        if start == "match":
            self.app = Application.match(candidate_id, job_id, score)
            status = S.MATCHED
        else:
            self.app = Application.track_manual(candidate_id, job_id, applied=start == "manual_applied", by=by)
            status = S.SUBMITTED if start == "manual_applied" else S.SHORTLISTED
        assert self.app.id == application_id(candidate_id, job_id)
        assert self.app.version == 1
        self.model = Model(status=status, history=[status])
        self.events = list(self.app.collect_events())
        assert [type(e) for e in self.events] == [Application.Started]
        # Walk (through the same checked rules) to a goal status first, so that every state,
        # deep ones included, is often where the random commands begin.
        for action in shortest_path(status, goal) or []:
            self._progress(data, valid_only=True, action=action)

    # -- helpers -----------------------------------------------------------

    def _refused(self, call: Callable[[], None], exc_type: type[Exception]) -> Exception:
        version, before = self.app.version, state_of(self.app)
        with pytest.raises(exc_type) as info:
            call()
        assert self.app.version == version, "a refused command must not advance the version"
        assert self.app.pending_events == [], "a refused command must record no event"
        assert state_of(self.app) == before, "a refused command must not change the aggregate"
        return info.value

    def _expect_refusal_message(self, action: str, exc: Exception) -> None:
        status = self.model.status
        assert isinstance(exc, IllegalTransition)
        if action == "requeue" and status is S.FAILED and self.model.failure is not None and not self.model.failure[1]:
            assert str(exc) == "cannot requeue when failed and not retryable"
            return
        assert str(exc) == f"cannot {action.replace('_', ' ')} when the application is {status.value}"
        assert exc.action == action.replace("_", " ")
        assert status.value in exc.state

    def _move(
        self, action: str, call: Callable[[], None], *, by: Actor, text: tuple[str, bool] | None = None,
        retryable: bool | None = None, at: datetime | None = None,
    ) -> None:
        model = self.model
        sources, target = TRANSITIONS[action]
        if text is not None and not text[1]:
            # The text is checked before the transition, so it is refused whatever the state.
            self._refused(call, InvalidValue)
            return
        non_retryable = model.failure is not None and not model.failure[1]
        if model.status not in sources or (action == "requeue" and non_retryable):
            exc = self._refused(call, IllegalTransition)
            self._expect_refusal_message(action, exc)
            return
        version = self.app.version
        call()
        assert self.app.version == version + 1
        [recorded] = self.app.pending_events
        assert isinstance(recorded, Application.StatusChanged)
        assert recorded.action == action
        assert recorded.status == target.value
        assert recorded.by == by.value
        assert recorded.candidate_id == self.app.candidate_id
        assert recorded.reason == (text[0].strip() if text is not None else "")
        assert recorded.retryable == retryable
        assert recorded.at == at
        model.status = target
        model.history.append(target)
        if target is S.FAILED:
            assert text is not None and retryable is not None
            model.failure = (text[0].strip(), retryable)
        if at is not None:
            model.interviews.append(at)
        if model.preparation == "awaiting" and action in PREPARATION_OUTCOMES:
            model.preparation = PREPARATION_OUTCOMES[action]
        # On its way again (or over): an earlier skip no longer holds; a question is a skip of its own.
        if target in {S.QUEUED, S.PENDING_APPROVAL, S.SUBMITTING, S.SUBMITTED} | TERMINAL:
            model.skip_reason = None
        if target is S.NEEDS_INPUT:
            model.skip_reason = "needs_input"
        self.events.extend(self.app.collect_events())

    # -- rules: every command, legal or not -------------------------------

    @rule(by=actors)
    def shortlist(self, by: Actor) -> None:
        self._move("shortlist", lambda: self.app.shortlist(by), by=by)

    @rule(by=actors)
    def queue(self, by: Actor) -> None:
        self._move("queue", lambda: self.app.queue(by), by=by)

    @rule(by=actors)
    def apply_now(self, by: Actor) -> None:
        self._move("apply_now", lambda: self.app.apply_now(by), by=by)

    @rule(reason=st.sampled_from(sorted(SKIP_REASONS)) | st.text(max_size=12))
    def skip_sending(self, reason: str) -> None:
        """A skip reason is a code (anything else refused); the same one twice in a row records once."""
        if reason not in SKIP_REASONS:
            self._refused(lambda: self.app.skip_sending(reason), InvalidValue)
            return
        repeat = self.app.skip_reason == reason
        self.app.skip_sending(reason)
        recorded = self.app.collect_events()
        assert len(recorded) == (0 if repeat else 1)
        if recorded:
            assert isinstance(recorded[0], Application.SendSkipped) and recorded[0].skip_reason == reason
        assert self.app.skip_reason == reason
        self.model.skip_reason = reason
        self.events.extend(recorded)

    @rule()
    def start_submission(self) -> None:
        self._move("start_submission", self.app.start_submission, by=Actor.SYSTEM)

    @rule(by=actors)
    def record_submitted(self, by: Actor) -> None:
        self._move("record_submitted", lambda: self.app.record_submitted(by), by=by)

    @rule(by=actors)
    def mark_applied(self, by: Actor) -> None:
        self._move("mark_applied", lambda: self.app.mark_applied(by), by=by)

    @rule(reason=texts(500), retryable=st.booleans())
    def record_failure(self, reason: tuple[str, bool], retryable: bool) -> None:
        self._move(
            "record_failure", lambda: self.app.record_failure(reason[0], retryable),
            by=Actor.SYSTEM, text=reason, retryable=retryable,
        )

    @rule(by=actors)
    def requeue(self, by: Actor) -> None:
        self._move("requeue", lambda: self.app.requeue(by), by=by)

    @rule(reason=texts(500))
    def flag_for_review(self, reason: tuple[str, bool]) -> None:
        self._move("flag_for_review", lambda: self.app.flag_for_review(reason[0]), by=Actor.SYSTEM, text=reason)

    @rule(reason=texts(500))
    def record_unverified(self, reason: tuple[str, bool]) -> None:
        self._move("record_unverified", lambda: self.app.record_unverified(reason[0]), by=Actor.SYSTEM, text=reason)

    # -- what a run reports when it stops (Skyvern's error codes), and Skyvern refusing to start one

    @rule(reason=texts(500))
    def release_submission(self, reason: tuple[str, bool]) -> None:
        self._move("release_submission", lambda: self.app.release_submission(reason[0]), by=Actor.SYSTEM, text=reason)

    @rule(reason=texts(500))
    def record_posting_closed(self, reason: tuple[str, bool]) -> None:
        self._move("record_posting_closed", lambda: self.app.record_posting_closed(reason[0]), by=Actor.SYSTEM, text=reason)

    @rule(question=texts(500))
    def request_input(self, question: tuple[str, bool]) -> None:
        version = self.app.version
        self._move("request_input", lambda: self.app.request_input(question[0]), by=Actor.SYSTEM, text=question)
        if self.app.version > version:
            assert self.app.question == question[0].strip()

    @rule(reason=texts(500))
    def record_already_applied(self, reason: tuple[str, bool]) -> None:
        self._move("record_already_applied", lambda: self.app.record_already_applied(reason[0]), by=Actor.SYSTEM,
                   text=reason)

    @rule(by=actors)
    def provide_input(self, by: Actor) -> None:
        self._move("provide_input", lambda: self.app.provide_input(by), by=by)

    @rule(by=actors)
    def confirm_submission(self, by: Actor) -> None:
        self._move("confirm_submission", lambda: self.app.confirm_submission(by), by=by)

    # -- approve-before-submit: prepared (two events), approved or expired by the clock

    @rule()
    def prepare_submission(self) -> None:
        call = lambda: self.app.prepare_submission(PREPARED_PAYLOAD, APPROVAL_EXPIRES, {"mode": "approve"})  # noqa: E731
        if self.model.status not in TRANSITIONS["prepare_submission"][0]:
            self._expect_refusal_message("prepare_submission", self._refused(call, IllegalTransition))
            return
        call()
        prepared, moved = self.app.pending_events
        assert isinstance(prepared, Application.SubmissionPrepared) and prepared.payload == PREPARED_PAYLOAD
        assert prepared.expires_at == APPROVAL_EXPIRES and prepared.candidate_id == self.app.candidate_id
        assert (moved.action, moved.status, moved.by) == ("prepare_submission", S.PENDING_APPROVAL.value, "system")
        self.model.status = S.PENDING_APPROVAL
        self.model.history.append(S.PENDING_APPROVAL)
        self.model.preparation = "awaiting"
        self.model.skip_reason = None
        self.events.extend(self.app.collect_events())

    @rule(by=actors, now=approval_clock)
    def approve_submission(self, by: Actor, now: datetime) -> None:
        call = lambda: self.app.approve_submission(by, now)  # noqa: E731
        if self.model.status is S.PENDING_APPROVAL and now >= APPROVAL_EXPIRES:
            exc = self._refused(call, IllegalTransition)
            assert str(exc) == "cannot approve submission when the approval window has passed"
            return
        self._move("approve_submission", call, by=by)

    @rule(by=actors)
    def reject_submission(self, by: Actor) -> None:
        self._move("reject_submission", lambda: self.app.reject_submission(by), by=by)

    @rule(now=approval_clock)
    def expire_preparation(self, now: datetime) -> None:
        call = lambda: self.app.expire_preparation(now)  # noqa: E731
        if self.model.status is S.PENDING_APPROVAL and now < APPROVAL_EXPIRES:
            exc = self._refused(call, IllegalTransition)
            assert str(exc).startswith("cannot expire the preparation when it awaits approval until")
            return
        self._move("expire_preparation", call, by=Actor.SYSTEM, text=("the approval window passed", True))

    @rule(at=interview_times, by=actors)
    def schedule_interview(self, at: datetime, by: Actor) -> None:
        self._move("schedule_interview", lambda: self.app.schedule_interview(at, by), by=by, at=at)

    @rule(by=actors)
    def record_offer(self, by: Actor) -> None:
        self._move("record_offer", lambda: self.app.record_offer(by), by=by)

    @rule(by=actors)
    def record_rejection(self, by: Actor) -> None:
        self._move("record_rejection", lambda: self.app.record_rejection(by), by=by)

    @rule(by=actors)
    def withdraw(self, by: Actor) -> None:
        self._move("withdraw", lambda: self.app.withdraw(by), by=by)

    @rule(text=texts(5000), by=actors)
    def add_note(self, text: tuple[str, bool], by: Actor) -> None:
        # Notes are allowed in every state (terminal ones included) and never move the status.
        if not text[1]:
            self._refused(lambda: self.app.add_note(text[0], by), InvalidValue)
            return
        version, status = self.app.version, self.app.status
        self.app.add_note(text[0], by)
        assert self.app.version == version + 1
        assert self.app.status is status
        [recorded] = self.app.pending_events
        assert isinstance(recorded, Application.NoteAdded)
        assert (recorded.text, recorded.by, recorded.candidate_id) == (text[0].strip(), by.value, self.app.candidate_id)
        self.model.notes += 1
        self.events.extend(self.app.collect_events())

    # -- progress: random commands rarely reach the deep states, so these take a legal
    # step chosen from the model (preferring non-terminal ones), through the same checks.

    def _progress(self, data: st.DataObject, valid_only: bool = False, action: str | None = None) -> None:
        model = self.model
        non_retryable = model.failure is not None and not model.failure[1]
        legal = [
            action for action, (sources, _) in TRANSITIONS.items()
            if model.status in sources and not (action == "requeue" and non_retryable)
        ]
        onward = [a for a in legal if TRANSITIONS[a][1] not in TERMINAL]
        if action is None:
            if not legal:
                return
            action = data.draw(st.sampled_from(onward or legal), label="action")
        by = data.draw(actors, label="by")
        reasons = valid_texts().map(lambda t: (t, True)) if valid_only else texts(500)
        if action == "record_failure":
            self.record_failure(data.draw(reasons, label="reason"), data.draw(st.booleans(), label="retryable"))
        elif action == "flag_for_review":
            self.flag_for_review(data.draw(reasons, label="reason"))
        elif action == "record_unverified":
            self.record_unverified(data.draw(reasons, label="reason"))
        elif action in TEXT_ACTIONS:
            getattr(self, action)(data.draw(reasons, label="reason"))
        elif action == "schedule_interview":
            self.schedule_interview(data.draw(interview_times, label="at"), by)
        elif action == "start_submission":
            self.start_submission()
        elif action == "prepare_submission":
            self.prepare_submission()
        elif action == "approve_submission":
            self.approve_submission(by, APPROVAL_EXPIRES - timedelta(minutes=1) if valid_only else data.draw(approval_clock))
        elif action == "expire_preparation":
            self.expire_preparation(APPROVAL_EXPIRES if valid_only else data.draw(approval_clock))
        else:
            getattr(self, action)(by)

    @rule(data=st.data())
    def progress(self, data: st.DataObject) -> None:
        self._progress(data)

    @rule(data=st.data())
    def progress_more(self, data: st.DataObject) -> None:
        self._progress(data)

    # -- invariants -------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        app, model = self.app, self.model
        assert app.status is model.status
        assert app.history == model.history
        assert app.failure == model.failure
        assert app.interviews == model.interviews
        assert app.notes == model.notes
        assert app.version == len(self.events)

    @invariant()
    def history_follows_transitions(self) -> None:
        history = self.app.history
        assert history[-1] is self.app.status
        for previous, following in zip(history, history[1:]):
            assert legal_edge(previous, following), f"{previous} -> {following} is not in TRANSITIONS"

    @invariant()
    def terminal_is_final(self) -> None:
        history = self.app.history
        terminal_at = [i for i, s in enumerate(history) if s in TERMINAL]
        assert terminal_at in ([], [len(history) - 1]), f"status changed after a terminal state: {history}"
        assert self.app.is_terminal == (self.app.status in TERMINAL)
        if self.app.is_terminal:
            assert not any(self.app.can(action) for action in TRANSITIONS)

    @invariant()
    def can_matches_transitions(self) -> None:
        for action, (sources, _) in TRANSITIONS.items():
            assert self.app.can(action) == (self.app.status in sources)

    @invariant()
    def preparation_agrees_with_the_model(self) -> None:
        preparation = self.app.preparation
        assert (preparation.state if preparation else None) == self.model.preparation
        assert (self.app.approved_payload is not None) == (self.model.preparation == "approved")

    @invariant()
    def skip_reason_agrees_with_the_model(self) -> None:
        assert self.app.skip_reason == self.model.skip_reason

    @invariant()
    def a_question_is_held_exactly_while_input_is_needed(self) -> None:
        assert (self.app.question is not None) == (self.app.status is S.NEEDS_INPUT)

    @invariant()
    def submitted_once_iff_submitted_in_history(self) -> None:
        assert self.app.submitted_once == (S.SUBMITTED in self.app.history)
        assert self.app.submitted_once == self.model.submitted_once

    @invariant()
    def replay_rebuilds_the_live_aggregate(self) -> None:
        assert self.app.pending_events == []
        rebuilt = replay(self.events)
        for name in STATE_ATTRIBUTES:
            assert getattr(rebuilt, name) == getattr(self.app, name), name
        assert state_of(rebuilt) == state_of(self.app)


ApplicationMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=25, deadline=None)
TestApplicationStateMachine = ApplicationMachine.TestCase


# ---------------------------------------------------------------------------
# Refusals name the current state


def test_requeue_refusal_names_the_current_state():
    app = Application.match(uuid4(), uuid4(), 50)
    app.queue()
    app.start_submission()
    app.record_failure("the form rejected the upload", retryable=False)
    app.withdraw(Actor.CANDIDATE)
    with pytest.raises(IllegalTransition) as info:
        app.requeue()
    assert str(info.value) == "cannot requeue when the application is withdrawn"


# ---------------------------------------------------------------------------
# Through the real, encrypted event store


def legal_actions(app: Application) -> list[str]:
    actions = [a for a in TRANSITIONS if app.can(a)]
    if app.failure is not None and not app.failure[1] and "requeue" in actions:
        actions.remove("requeue")
    return actions + ["add_note"]


def perform(app: Application, action: str, data: st.DataObject, notes: list[str]) -> None:
    by = data.draw(actors, label="by")
    if action == "add_note":
        text = data.draw(valid_texts(), label="note")
        app.add_note(text, by)
        notes.append(text.strip())
    elif action == "record_failure":
        app.record_failure(data.draw(valid_texts(), label="reason"), data.draw(st.booleans(), label="retryable"))
    elif action == "flag_for_review":
        app.flag_for_review(data.draw(valid_texts(), label="reason"))
    elif action == "record_unverified":
        app.record_unverified(data.draw(valid_texts(), label="reason"))
    elif action in TEXT_ACTIONS:
        getattr(app, action)(data.draw(valid_texts(), label="reason"))
    elif action == "schedule_interview":
        app.schedule_interview(data.draw(interview_times, label="at"), by)
    elif action == "start_submission":
        app.start_submission()
    elif action == "prepare_submission":
        app.prepare_submission(PREPARED_PAYLOAD, APPROVAL_EXPIRES, {"mode": "approve"})
    elif action == "approve_submission":
        app.approve_submission(by, APPROVAL_EXPIRES - timedelta(minutes=1))
    elif action == "expire_preparation":
        app.expire_preparation(APPROVAL_EXPIRES)
    else:
        getattr(app, action)(by)
            # (Which key seals it is pinned by test_erasing_the_candidate_erases_their_application_texts.)


# ---------------------------------------------------------------------------
# Submission verification (issue #8)


def test_an_unverified_submission_is_not_submitted_until_confirmed():
    app = Application.match(uuid4(), uuid4(), 80)
    app.queue()
    app.start_submission()
    app.record_unverified("Skyvern finished, but the page showed no confirmation")
    assert app.status is S.UNVERIFIED and not app.submitted_once
    [*_, event] = app.collect_events()
    assert (event.action, event.reason) == ("record_unverified", "Skyvern finished, but the page showed no confirmation")
    with pytest.raises(IllegalTransition):
        app.record_submitted()  # only the candidate's confirmation (or the employer's answer) settles it
    app.confirm_submission(Actor.CANDIDATE)
    assert app.status is S.SUBMITTED and app.submitted_once


def test_a_confirmed_submission_keeps_what_the_employer_showed():
    app = Application.match(uuid4(), uuid4(), 80)
    app.queue()
    app.start_submission()
    app.record_submitted(confirmation="  confirmation_number: A-1234 ")
    [*_, event] = app.collect_events()
    assert (event.status, event.reason) == ("submitted", "confirmation_number: A-1234")
    with pytest.raises(InvalidValue):
        Application.match(uuid4(), uuid4(), 80).record_submitted(confirmation="A\x00B")


def test_submissions_sent_before_the_applier_was_recorded_read_as_skyvern_or_dry_run():
    state = {"dry_run": False}
    Application.SubmissionSent.upcast_v1_v2(state)
    assert state["applier"] == "skyvern"
    state = {"dry_run": True}
    Application.SubmissionSent.upcast_v1_v2(state)
    assert state["applier"] == "dry-run"


def test_a_released_submission_is_queued_again_but_never_once_a_run_is_on_record():
    app = Application.match(uuid4(), uuid4(), 80)
    app.queue()
    app.start_submission()
    app.release_submission("Skyvern is busy (429); nothing was started")
    assert app.status is S.QUEUED
    app.start_submission()
    app.record_submission_sent({"prompt": "p"}, "tsk_1", dry_run=False)
    with pytest.raises(IllegalTransition) as info:
        app.release_submission("429")
    assert "already sent" in str(info.value) and app.status is S.SUBMITTING


def test_an_answered_question_makes_a_new_run_a_new_intent_and_only_then():
    app = Application.match(uuid4(), uuid4(), 80)
    app.queue()
    app.start_submission()
    app.record_submission_sent({"prompt": "p"}, "tsk_1", dry_run=False)
    app.request_input("What is your notice period?")
    assert (app.status, app.question) == (S.NEEDS_INPUT, "What is your notice period?")
    app.provide_input(Actor.CANDIDATE)
    assert (app.status, app.question, app.run_id) == (S.QUEUED, None, None)
    app.start_submission()
    app.record_submission_sent({"prompt": "p2"}, "tsk_2", dry_run=False)
    with pytest.raises(IllegalTransition):
        app.record_submission_sent({"prompt": "p3"}, "tsk_3", dry_run=False)
    assert app.run_id == "tsk_2"
