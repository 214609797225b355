"""Candidates through the real encrypted store: any commands round-trip, and destroying the key erases personal fields only (the aggregate's own tests are in tests/unit/test_domain_candidate.py)."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.domain.candidate import Preferences, Profile, Resume
from jobraker.domain.personal import ERASED

from ..unit.test_domain_candidate import (
    COMMANDS,
    assert_same_candidate,
    auto_apply_settings,
    consent_kinds,
    preferences_full,
    profiles_full,
    register,
    run_command,
    versions,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_commands_round_trip_through_the_encrypted_store(jobraker, data):
    candidate = register()
    candidate.verify_address()
    names = data.draw(st.lists(st.sampled_from(COMMANDS), max_size=12), label="commands")
    save_after = data.draw(st.integers(0, len(names)), label="save_after")
    for i, name in enumerate(names):
        if i == save_after:
            jobraker.save(candidate)
            candidate = jobraker.repository.get(candidate.id)
        run_command(candidate, name, data)
    jobraker.save(candidate)

    loaded = jobraker.repository.get(candidate.id)
    assert loaded.pending_events == []
    assert_same_candidate(loaded, candidate)
    assert loaded.email == candidate.email and loaded.name == candidate.name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    profile=profiles_full.filter(lambda p: p != Profile()),
    prefs=preferences_full.filter(lambda p: p != Preferences()),
    versions_given=st.dictionaries(consent_kinds, versions, min_size=1),
    auto_apply=auto_apply_settings,
    deactivate=st.booleans(),
)
def test_destroying_the_key_erases_personal_fields_only(
    jobraker, profile, prefs, versions_given, auto_apply, deactivate
):
    candidate = register()
    candidate.verify_address()
    candidate.change_profile(profile)
    candidate.change_preferences(prefs)
    for kind, version in versions_given.items():
        candidate.give_consent(kind, version)
    if auto_apply.enabled and "auto_apply" not in versions_given:
        auto_apply = replace(auto_apply, mode="suggest")
    candidate.change_auto_apply(auto_apply)
    resume_id = uuid4()
    candidate.upload_resume(resume_id, "cv.pdf", "application/pdf", 1234, "Ten years of Python")
    if deactivate:
        candidate.deactivate()
    jobraker.save(candidate)
    assert jobraker.repository.get(candidate.id).profile == profile  # readable before the key goes

    jobraker.mapper.keyring.destroy(candidate.id)

    erased = jobraker.repository.get(candidate.id)
    assert erased.version == candidate.version
    assert erased.email is ERASED and erased.name is ERASED and erased.password_hash is ERASED
    assert erased.profile is ERASED and erased.preferences is ERASED
    # The resume's personal fields are erased; its id, type and size are not personal.
    assert erased.resume == Resume(resume_id, ERASED, "application/pdf", 1234, ERASED)
    # Non-personal facts are still readable; the consent's version is typed by the client,
    # so it is sealed (issue 12) and goes with the key, while which consents were given stays.
    assert {kind: c.given for kind, c in erased.consents.items()} == {kind: c.given for kind, c in candidate.consents.items()}
    assert all(c.version is ERASED for c in erased.consents.values())
    assert erased.auto_apply == candidate.auto_apply
    assert erased.is_active == candidate.is_active == (not deactivate)

    # ... and consent can still be withdrawn (a non-personal event) after the key is gone.
    erased.withdraw_consent("auto_apply")
    erased.complete_erasure()
    jobraker.save(erased)
    final = jobraker.repository.get(candidate.id)
    assert not final.has_consent("auto_apply") and not final.auto_apply.enabled
    assert final.is_erased and not final.is_active
    assert final.consents.keys() == candidate.consents.keys()
