"""Applications through the real encrypted store: legal sequences round-trip, and erasing the candidate erases their texts (the aggregate's own tests are in tests/unit/test_domain_application.py)."""

from __future__ import annotations

import json
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.domain.application import Actor, Application

from ..unit.test_domain_application import STATE_ATTRIBUTES, S, legal_actions, perform, state_of


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_legal_sequences_round_trip_through_the_encrypted_store(jobraker, data):
    start = data.draw(st.sampled_from(["match", "manual_shortlisted", "manual_applied"]), label="start")
    if start == "match":
        app = Application.match(uuid4(), uuid4(), data.draw(st.integers(0, 100), label="score"))
    else:
        app = Application.track_manual(uuid4(), uuid4(), applied=start == "manual_applied")
    notes: list[str] = []
    steps = data.draw(st.integers(0, 12), label="steps")
    save_after = data.draw(st.integers(0, steps), label="save_after")

    for i in range(steps):
        if i == save_after:
            # Save part-way and carry on with the aggregate as the store gives it back.
            jobraker.save(app)
            app = jobraker.repository.get(app.id)
        perform(app, data.draw(st.sampled_from(legal_actions(app)), label="action"), data, notes)
    expected = state_of(app)
    jobraker.save(app)

    loaded = jobraker.repository.get(app.id)
    assert loaded.pending_events == []
    for name in STATE_ATTRIBUTES:
        assert getattr(loaded, name) == getattr(app, name), name
    assert state_of(loaded) == expected

    # Note texts (personal data) come back from the store, and are sealed in it.
    stored = jobraker.recorder.select_events(app.id)
    assert len(stored) == app.version
    events = [jobraker.mapper.to_domain_event(s) for s in stored]
    assert [e.text for e in events if isinstance(e, Application.NoteAdded)] == notes
    for record, event in zip(stored, events):
        if isinstance(event, Application.NoteAdded):
            state = json.loads(record.state)
            assert set(state["text"]) == {"__sealed__"}


def test_erasing_the_candidate_erases_their_application_texts(jobraker):
    from jobraker.domain.personal import ERASED, data_subject

    app = Application.match(uuid4(), uuid4(), 80)
    app.queue()
    app.start_submission()
    app.record_failure("Ada's salary history was required", retryable=True)
    app.add_note("Call Ada about the visa on Monday", Actor.CANDIDATE)
    subjects = [data_subject(e) for e in app.pending_events[1:]]
    jobraker.save(app)

    jobraker.mapper.keyring.destroy(app.candidate_id)

    loaded = jobraker.repository.get(app.id)
    assert loaded.status is S.FAILED and loaded.notes == 1  # non-personal facts survive
    assert loaded.failure == (ERASED, True)
    events = [jobraker.mapper.to_domain_event(s) for s in jobraker.recorder.select_events(app.id)]
    assert [e.text for e in events if isinstance(e, Application.NoteAdded)] == [ERASED]
    assert subjects == [app.candidate_id] * 4
