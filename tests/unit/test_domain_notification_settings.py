"""NotificationSettings as a state machine: any sequence of changes leaves each switch at the
last value given for it, records an event only when something changed, and replays exactly."""

from __future__ import annotations

from functools import reduce
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from jobraker.domain.notification_settings import SWITCHES, NotificationSettings, notification_settings_id

changes = st.lists(st.dictionaries(st.sampled_from(SWITCHES), st.booleans(), max_size=3), max_size=12)


@given(changes)
def test_switches_follow_the_last_change_and_replay_rebuilds_them(sequence):
    candidate_id = uuid4()
    settings = NotificationSettings(candidate_id=candidate_id)
    assert settings.id == notification_settings_id(candidate_id)
    expected = dict.fromkeys(SWITCHES, True)
    events = list(settings.collect_events())
    for change in sequence:
        settings.change(**change)
        recorded = settings.collect_events()
        assert bool(recorded) == ({**expected, **change} != expected)  # nothing recorded for no change
        expected.update(change)
        events += recorded
    assert settings.as_dict() == expected
    replayed = reduce(lambda aggregate, event: event.mutate(aggregate), events, None)
    assert replayed.as_dict() == expected and replayed.version == settings.version == len(events)
