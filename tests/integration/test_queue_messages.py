"""Dramatiq messages carry ids, never personal values (issue 12): the raw messages a
candidate's changes put into the real Redis broker, and every other key in that Redis, hold
none of the candidate's values; actors load what they need from the event store."""

from __future__ import annotations

import json
import uuid

import pytest

from jobraker.components import redis_client
from jobraker.workers import scheduler
from jobraker.workers.broker import broker

from ..conftest import relay_from_now, unique_email


def _distinctive() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {
        "skill": f"Quokkaweaving{tag}", "city": f"Zanzibarton{tag}", "keyword": f"Frobnicator{tag}",
        "avoid": f"Blorpwork{tag}", "company": f"Snorkcorp{tag}", "headline": f"Wizard of Wug{tag}",
        "name": f"Ottoline Qwertz{tag}",
    }


def _message_bodies() -> dict[tuple[str, str], bytes]:
    """Every message body the broker holds, keyed by (hash, message id)."""
    client = broker().client
    bodies = {}
    for key in client.scan_iter(f"{broker().namespace}:*.msgs"):
        for message_id, body in client.hgetall(key).items():
            bodies[(key.decode(), message_id.decode())] = body
    return bodies


def _whole_redis() -> bytes:
    """Every key and value in Redis, whatever its type, as one searchable blob."""
    client = redis_client()
    readers = {
        b"string": client.get, b"hash": lambda k: b"".join(a + b for a, b in client.hgetall(k).items()),
        b"list": lambda k: b"".join(client.lrange(k, 0, -1)), b"set": lambda k: b"".join(client.smembers(k)),
        b"zset": lambda k: b"".join(client.zrange(k, 0, -1)),
    }
    blob = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        blob.append(key + b"=" + (readers[kind](key) or b"" if kind in readers else b""))
    return b"\n".join(blob)


def _found(values: dict[str, str], blob: bytes) -> list[str]:
    lowered = blob.lower()
    return [value for value in values.values() if value.lower().encode() in lowered]


@pytest.fixture
def flow_messages(jobraker, projector, no_live_projector):
    """A candidate's changes through the relay, their per-candidate ingestion and the scheduler's
    run; yields the new messages, then takes them out of the broker again (no worker runs here)."""
    before = set(_message_bodies())
    values = _distinctive()
    email = unique_email("ottoline")
    relay = relay_from_now(jobraker)
    candidate_id, _ = jobraker.register_candidate(email, values["name"], "h")
    jobraker.change_profile(candidate_id, {"headline": values["headline"], "skills": [values["skill"]], "locations": [values["city"]]})
    jobraker.change_preferences(candidate_id, {
        "keywords": [values["keyword"]], "avoid_keywords": [values["avoid"]],
        "excluded_companies": [values["company"]], "countries": ["gb"],
    })
    relay.catch_up()
    projector.catch_up()
    from jobraker.workers.actors import ingest_for_candidate

    ingest_for_candidate.fn(str(candidate_id), "test")
    scheduler.send_ingestion()
    new = {k: v for k, v in _message_bodies().items() if k not in before}
    yield candidate_id, {**values, "email": email}, new
    client = broker().client
    for (key, message_id) in new:
        client.hdel(key, message_id)
        client.lrem(key.removesuffix(".msgs"), 0, message_id)


def test_messages_name_the_candidate_by_id_only(flow_messages):
    candidate_id, values, messages = flow_messages
    decoded = [json.loads(body) for body in messages.values()]
    ingest = [m for m in decoded if m["actor_name"] == "ingest_adzuna" and m["args"][0] == str(candidate_id)]
    # The candidate's own search (from the actor) and the scheduler's run both named them by id.
    assert len(ingest) >= 2 and all(len(m["args"]) == 2 for m in ingest)
    assert {m["actor_name"] for m in decoded} >= {"ingest_for_candidate", "match_existing_jobs", "ingest_adzuna"}
    assert _found(values, b"\n".join(messages.values())) == []


def test_nothing_in_redis_holds_the_candidates_values(flow_messages):
    _, values, _ = flow_messages
    assert _found(values, _whole_redis()) == []


def test_the_redis_search_finds_a_value_that_is_there(flow_messages):
    """Positive control: the same search finds a value written to Redis."""
    _, values, _ = flow_messages
    redis_client().set("test:control", f"profile of {values['city']}", ex=60)
    try:
        assert _found(values, _whole_redis()) == [values["city"]]
    finally:
        redis_client().delete("test:control")


def test_the_actor_finds_the_search_by_key_and_drops_what_no_longer_matches(jobraker):
    from jobraker.sources.ingest import searches_of
    from jobraker.workers.actors import _search, ingest_adzuna

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Keyed Searcher", "h")
    jobraker.change_preferences(candidate_id, {"keywords": ["Haberdasher"], "countries": ["gb"]})
    [search] = searches_of(jobraker.get_candidate(candidate_id))
    assert (search.what, search.country) == ("Haberdasher", "gb") and len(search.key) == 32
    assert _search(candidate_id, search.key) == search
    jobraker.change_preferences(candidate_id, {"keywords": ["Milliner"]})
    assert _search(candidate_id, search.key) is None  # the wishes changed: their own message runs instead
    assert _search(uuid.uuid4(), search.key) is None
    ingest_adzuna.fn("gb", "python", "London")  # a message from before: dropped, nothing raised
