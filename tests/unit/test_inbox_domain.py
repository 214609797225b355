"""Application.record_mail (issue 18 item 4): a mail never moves the application by itself, and
what it proposes is always a move open from the current state, which then succeeds."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.domain.application import MAIL_KINDS, MAIL_MOVES, TRANSITIONS, Actor, Application, Status
from jobraker.domain.errors import InvalidValue

AT = datetime(2026, 12, 14, 14, 30, tzinfo=UTC)
# Ways to reach each state from a manual application (submitted or shortlisted at start).
PATHS = {
    Status.SHORTLISTED: (False, []),
    Status.SUBMITTED: (True, []),
    Status.INTERVIEWING: (True, [("schedule_interview", {"at": AT})]),
    Status.OFFER: (True, [("record_offer", {})]),
    Status.REJECTED: (True, [("record_rejection", {})]),
    Status.WITHDRAWN: (True, [("withdraw", {})]),
}


def application_in(status: Status) -> Application:
    applied, moves = PATHS[status]
    application = Application.track_manual(uuid4(), uuid4(), applied=applied)
    for action, details in moves:
        getattr(application, action)(by=Actor.CANDIDATE, **details)
    assert application.status is status
    return application


@given(st.sampled_from(sorted(PATHS, key=lambda s: s.value)), st.sampled_from(MAIL_KINDS), st.none() | st.just(AT))
def test_a_mail_proposes_only_an_open_move_and_never_moves(status, kind, at):
    application = application_in(status)
    proposed = application.record_mail(kind, "initech.example", "Subject", at)
    assert application.status is status
    if proposed:
        assert proposed == MAIL_MOVES[kind] and status in TRANSITIONS[proposed][0]
        assert application.mail_proposal == (proposed, at)
        if proposed == "schedule_interview":
            application.schedule_interview(at, Actor.CANDIDATE)
        else:
            getattr(application, proposed)(Actor.CANDIDATE)
        assert application.mail_proposal is None
    else:
        assert application.mail_proposal is None
        assert kind == "other" or status not in TRANSITIONS[MAIL_MOVES[kind]][0]


def test_an_unknown_kind_or_a_control_character_is_refused():
    application = application_in(Status.SUBMITTED)
    with pytest.raises(InvalidValue):
        application.record_mail("spam", "x.example", "s", None)
    with pytest.raises(InvalidValue):
        application.record_mail("other", "x.example", "bell\x07", None)
    with pytest.raises(InvalidValue):
        application.record_mail("offer", "x.example", "s", None, read_by="the sender")


def test_who_read_the_mail_is_recorded_and_mails_recorded_before_read_as_the_rules():
    application = application_in(Status.SUBMITTED)
    application.record_mail("interview", "x.example", "s", AT, read_by="model")
    events = application.collect_events()
    assert events[-1].read_by == "model"
    del events[-1].__dict__["read_by"]  # as a mail recorded before the second opinion existed is stored
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert events[-1].read_by == "rules" and rebuilt.mail_proposal == ("schedule_interview", AT)
