"""The chat assistant through its API, against a loopback model speaking OpenAI's wire format:
who may see what, the streamed answer and what it records, 503 unconfigured, the budget,
model failures, and erasure."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from jobraker.accounts.models import Role
from jobraker.domain.conversation import Conversation, Speaker
from jobraker.domain.personal import ERASED

from ..api_helpers import PASSWORD, caught_up, operator, signed_in
from ..assistant_helpers import CONVERSATIONS, ask, chat_model, environment, events_of, of_kind, start
from ..fakes.openai_chat_server import Fail, FakeOpenAIChat, Say

TOOL_NAMES = {"search_jobs", "top_matches", "list_applications", "application_history", "explain_match", "change_preferences"}


def test_without_a_model_the_assistant_answers_503_naming_what_to_set(live_projector):
    client, _, _ = signed_in()
    with environment(OPENAI_API_KEY=None, OPENAI_BASE_URL=None):
        r = client.post(CONVERSATIONS, {"title": "x"}, format="json")
    assert r.status_code == 503
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert "OPENAI_API_KEY" in body["detail"] and "OPENAI_BASE_URL" in body["detail"]
    assert body["missing"] == ["OPENAI_API_KEY", "OPENAI_BASE_URL"]
    # docker-compose passes unset variables as empty strings: still unconfigured.
    with environment(OPENAI_API_KEY="", OPENAI_BASE_URL=""):
        assert client.post(CONVERSATIONS, {"title": "x"}, format="json").status_code == 503


def test_who_may_do_what(live_projector):
    owner, created, _ = signed_in()
    other, _, _ = signed_in()
    staff = operator(Role.STAFF)
    with chat_model(FakeOpenAIChat([Say("Hello.")])):
        conversation_id = start(owner)
        base = f"{CONVERSATIONS}/{conversation_id}"
        proposal = f"{base}/confirmations/{UUID(int=1)}"
        anonymous = owner.__class__()
        for method, url in [("get", CONVERSATIONS), ("post", CONVERSATIONS), ("get", base), ("post", f"{base}/messages"),
                            ("get", f"{base}/stream"), ("post", proposal), ("delete", proposal)]:
            assert getattr(anonymous, method)(url).status_code == 401, (method, url)
        # Another candidate: the conversation does not exist for them.
        assert other.get(base).status_code == 404
        assert other.post(f"{base}/messages", {"content": "hi"}, format="json").status_code == 404
        assert other.get(f"{base}/stream").status_code == 404
        assert other.post(proposal).status_code == 404
        # Staff read (recorded as an access) but do not chat for a candidate.
        assert staff.post(f"{base}/messages", {"content": "hi"}, format="json").status_code == 403
        assert staff.get(CONVERSATIONS).status_code == 403
        # The owner chats.
        answer = ask(owner, conversation_id, "Hi")
        assert of_kind(answer, "message")[0]["content"] == "Hello."
        assert staff.get(base).status_code == 200
        assert [m["content"] for m in staff.get(base).json()["messages"]] == ["Hi", "Hello."]
        done = of_kind(answer, "done")[0]
        listed = owner.get(CONVERSATIONS, **caught_up(done["position"])).json()["results"]
        assert [(c["id"], c["messages"]) for c in listed] == [(conversation_id, 2)]
        assert other.get(CONVERSATIONS).json()["results"] == []


def test_the_answer_streams_token_by_token_and_is_recorded(jobraker, live_projector):
    client, created, _ = signed_in()
    with chat_model(FakeOpenAIChat([Say("You have three strong matches in London.", prompt_tokens=120, completion_tokens=9)])) as fake:
        conversation_id = start(client)
        posted = client.post(f"{CONVERSATIONS}/{conversation_id}/messages", {"content": "How is my search going?"}, format="json")
        assert posted.status_code == 202
        assert posted.json()["message"] == 0 and posted.json()["stream"].endswith("/stream")
        events = events_of(client.get(f"{CONVERSATIONS}/{conversation_id}/stream"))

    tokens = of_kind(events, "token")
    assert len(tokens) > 3 and "".join(t["text"] for t in tokens) == "You have three strong matches in London."
    assert [kind for kind, _ in events][-2:] == ["message", "done"]
    assert of_kind(events, "done")[0]["tokens"] == {"prompt": 120, "completion": 9}
    request = fake.requests[0]["body"]
    assert request["stream"] is True and request["stream_options"] == {"include_usage": True}
    assert request["model"] == "gpt-loopback"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert {t["function"]["name"] for t in request["tools"]} == TOOL_NAMES
    assert fake.requests[0]["headers"]["authorization"] == f"Bearer {fake.api_key}"

    conversation = jobraker.repository.get(UUID(conversation_id))
    assert [(m.speaker, m.content) for m in conversation.messages] == [
        (Speaker.USER, "How is my search going?"), (Speaker.ASSISTANT, "You have three strong matches in London.")]
    assert conversation.tokens_used == 129
    # Asking the stream again (EventSource reconnects by itself) replays the answer, calling no model.
    with chat_model() as idle:
        replayed = events_of(client.get(f"{CONVERSATIONS}/{conversation_id}/stream"))
        assert of_kind(replayed, "message")[0]["content"] == "You have three strong matches in London."
        assert idle.requests == []


def test_the_daily_token_budget_is_enforced(jobraker, live_projector):

    client, created, _ = signed_in()
    with chat_model(FakeOpenAIChat([Say("Sure.", prompt_tokens=40, completion_tokens=30)]), JOBRAKER_CHAT_TOKEN_BUDGET="50"):
        conversation_id = start(client)
        done = of_kind(ask(client, conversation_id, "Hello"), "done")[0]
        caught_up(done["position"])
        r = client.post(f"{CONVERSATIONS}/{conversation_id}/messages", {"content": "More?"}, format="json")
        assert r.status_code == 429 and r["Content-Type"] == "application/problem+json"
        assert r.json()["used"] == 70 and r.json()["limit"] == 50 and "budget" in r.json()["title"].lower()
        assert int(r["Retry-After"]) > 0
        # A message that got in some other way is not answered over budget either.
        jobraker.post_user_message(UUID(conversation_id), UUID(created["id"]), "Still there?")
        assert client.get(f"{CONVERSATIONS}/{conversation_id}/stream").status_code == 429
    with chat_model(FakeOpenAIChat([Say("Yes.")]), JOBRAKER_CHAT_TOKEN_BUDGET="1000"):
        assert of_kind(events_of(client.get(f"{CONVERSATIONS}/{conversation_id}/stream")), "message")[0]["content"] == "Yes."


def test_a_5xx_is_retried_by_the_sdk(jobraker, live_projector):
    client, _, _ = signed_in()
    with chat_model(FakeOpenAIChat([Fail(500), Fail(503), Say("Recovered.")])) as fake:
        conversation_id = start(client)
        events = ask(client, conversation_id, "Hello")
        assert of_kind(events, "message")[0]["content"] == "Recovered."
        assert len(fake.requests) == 3


def test_a_model_that_stays_rate_limited_gives_a_clear_error_and_nothing_is_lost(jobraker, live_projector):
    client, created, _ = signed_in()
    with chat_model(FakeOpenAIChat([Fail(429), Fail(429), Fail(429)])) as fake:
        conversation_id = start(client)
        events = ask(client, conversation_id, "Hello")
        assert len(fake.requests) == 3  # the first try and the SDK's two retries
    error = of_kind(events, "error")[0]
    assert error["reason"] == "rate_limited" and error["status"] == 429 and "rate limited" in error["detail"]
    assert of_kind(events, "done")[0]["answered"] is False
    conversation = jobraker.repository.get(UUID(conversation_id))
    assert conversation.failures == 1 and conversation.awaiting_answer
    history = [type(e).__name__ for e in jobraker.repository.event_store.get(UUID(conversation_id))]
    assert history[-1] == "TurnFailed"
    # The message is still there: the next stream answers it.
    with chat_model(FakeOpenAIChat([Say("Back now.")])):
        events = events_of(client.get(f"{CONVERSATIONS}/{conversation_id}/stream"))
    assert of_kind(events, "message")[0]["content"] == "Back now."


def test_staff_and_auditor_reads_are_recorded(jobraker, live_projector):
    client, created, _ = signed_in()
    with chat_model(FakeOpenAIChat([Say("Hi.")])):
        conversation_id = start(client)
        ask(client, conversation_id, "Hello")
    before = jobraker.recorder.max_notification_id()
    assert operator(Role.AUDITOR).get(f"{CONVERSATIONS}/{conversation_id}").status_code == 200
    recorded = jobraker.recorder.select_notifications(start=before + 1, limit=50)
    accesses = [jobraker.mapper.to_domain_event(n) for n in recorded if n.topic.endswith("DataAccess.Recorded")]
    assert any(getattr(e, "what", "") == "assistant conversation" for e in accesses)


def test_erasure_makes_the_conversation_unreadable_and_export_includes_it(jobraker, live_projector):
    from jobraker.privacy.export import build_export
    from jobraker.privacy.models import DataExport

    client, created, _ = signed_in()
    candidate_id = UUID(created["id"])
    secret = "my secret salary is 123456 and I hate my boss"
    with chat_model(FakeOpenAIChat([Say("Noted, I will keep that private.")])):
        conversation_id = UUID(start(client, title="Private thoughts"))
        ask(client, str(conversation_id), secret)

    export = DataExport.objects.create(id=UUID(int=candidate_id.int ^ 1), candidate_id=candidate_id, requested_by="candidate")
    sealed = build_export(jobraker, export.id)
    import io
    import json
    import zipfile

    document = json.loads(zipfile.ZipFile(io.BytesIO(jobraker.keyring.open(candidate_id, "data_export", sealed.sealed_zip))).read("export.json"))
    assert any(e["type"] == "Conversation.MessagePosted" and e["data"]["content"] == secret for e in document["events"])

    erased = client.post("/api/v1/candidates/me/erasure", {"password": PASSWORD}, format="json")
    assert erased.status_code == 202
    conversation = jobraker.repository.get(conversation_id)
    assert conversation.title is ERASED
    assert [m.content for m in conversation.messages] == [ERASED, ERASED]
    assert all(secret.encode() not in stored.state for stored in jobraker.recorder.select_events(conversation_id))
    staff_view = operator(Role.STAFF).get(f"{CONVERSATIONS}/{conversation_id}", **caught_up(erased.json()["position"])).json()
    assert [m["content"] for m in staff_view["messages"]] == [None, None]
    assert all(m["erased"] for m in staff_view["messages"])
    from jobraker.assistant.models import ConversationRecord, TokenUsage

    assert not ConversationRecord.objects.filter(candidate_id=candidate_id).exists()
    assert not TokenUsage.objects.filter(candidate_id=candidate_id).exists()
    assert isinstance(conversation, Conversation)


def test_a_client_that_goes_away_mid_answer_still_has_its_tokens_counted(jobraker, live_projector):
    client, _, _ = signed_in()
    long_answer = " ".join(f"word{n}" for n in range(200))
    with chat_model(FakeOpenAIChat([Say(long_answer, prompt_tokens=500, completion_tokens=200)], chunk_delay=0.01)):
        conversation_id = start(client)
        client.post(f"{CONVERSATIONS}/{conversation_id}/messages", {"content": "Tell me everything"}, format="json")
        response = client.get(f"{CONVERSATIONS}/{conversation_id}/stream")
        stream = iter(response.streaming_content)
        first = [next(stream) for _ in range(4)]  # retry, then the first tokens
        assert any(b"event: token" in chunk for chunk in first)
        response.close()  # the client disconnects: the server closes the stream
    conversation = jobraker.repository.get(UUID(conversation_id))
    assert conversation.awaiting_answer  # no half answer was recorded as the answer
    assert conversation.prompt_tokens > 0 and conversation.completion_tokens > 0  # estimated, not lost
    # The lock was released: the next stream answers.
    with chat_model(FakeOpenAIChat([Say("Short version.")])):
        events = events_of(client.get(f"{CONVERSATIONS}/{conversation_id}/stream"))
    assert of_kind(events, "message")[0]["content"] == "Short version."


def test_the_loopback_model_speaks_the_non_streaming_wire_format_too():
    import openai

    with FakeOpenAIChat([Say("Calling.", tool_calls=[("search_jobs", {"query": "django"})], prompt_tokens=7, completion_tokens=3)]) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        completion = client.chat.completions.create(model="gpt-loopback", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=fake.base_url, api_key="wrong", max_retries=0).chat.completions.create(
                model="gpt-loopback", messages=[{"role": "user", "content": "hi"}])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content == "Calling."
    assert choice.message.tool_calls[0].function.name == "search_jobs"
    assert json.loads(choice.message.tool_calls[0].function.arguments) == {"query": "django"}
    assert completion.usage.total_tokens == 10
