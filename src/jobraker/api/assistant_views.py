"""The chat assistant: conversations, the candidate's messages, the streamed answer, and the
confirmation of a preference change the assistant proposed.

POST a message (202: it is recorded, nothing else happens yet); GET the stream to have the
model answer it, token by token, as server-sent events. Why the answer runs in the stream's
request rather than in a worker: docs/assistant.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from redis.exceptions import LockError
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted
from jobraker.api.permissions import IsCandidate, is_staff_or_auditor
from jobraker.api.problems import PROBLEM_CONTENT_TYPE, problem
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.api.sse import STREAM_SECONDS, EventStreamRenderer, EventStreamResponse, sse_event
from jobraker.api.stream_limits import held_while_streaming, open_stream_slot
from jobraker.api.throttles import CandidateQuota
from jobraker.assistant.budget import todays_budget
from jobraker.assistant.client import CONFIGURE_HINT, ChatModel, is_configured
from jobraker.assistant.models import ConversationRecord
from jobraker.assistant.turn import Turn, replay
from jobraker.config import get_settings
from jobraker.domain.conversation import MAX_CONTENT, Conversation
from jobraker.domain.personal import ERASED
from jobraker.eventstore.app import get_jobraker
from jobraker.eventstore.context import caused_by, current

BASE = "/api/v1/assistant/conversations"
TURN_LOCK_SECONDS = 600  # longer than a turn can take (rounds × the model's timeout)


def _problem(request: Request, code: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = problem(code, title, detail, instance=request.get_full_path(), **extra)
    return Response(body, status=code, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _refusal(request: Request, candidate_id: UUID) -> Response | None:
    """503 while no model is configured; 429 once today's token budget is spent."""
    settings = get_settings()
    if not is_configured(settings):
        return _problem(request, 503, "Assistant not configured", CONFIGURE_HINT,
                        missing=["OPENAI_API_KEY", "OPENAI_BASE_URL"])
    budget = todays_budget(candidate_id, settings.chat_token_budget)
    if budget.exhausted:
        return _problem(
            request, 429, "Chat token budget exhausted",
            f"You have used {budget.used} of your {budget.limit} chat tokens today; the budget resets at "
            f"{budget.resets_at.isoformat()}.",
            headers={"Retry-After": str(budget.seconds_to_reset)},
            used=budget.used, limit=budget.limit, resets_at=budget.resets_at.isoformat(),
        )
    return None


def _own(request: Request, pk: UUID) -> Conversation:
    return run_command("candidate", lambda: get_jobraker().get_conversation(pk, request.user.id))


def _plain(value: Any) -> Any:
    return None if value is ERASED else value


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "candidate_id": str(conversation.candidate_id),
        "title": _plain(conversation.title),
        "version": conversation.version,
        "awaiting_answer": conversation.awaiting_answer,
        "messages": [
            {"index": m.index, "speaker": m.speaker.value, "content": _plain(m.content), "erased": m.content is ERASED,
             "tool_calls": [c.as_dict() for c in m.tool_calls], "tool_call_id": m.tool_call_id or None}
            for m in conversation.messages
        ],
        "proposals": [
            {"id": str(p.id), "changes": _plain(p.changes), "status": p.status.value,
             "confirm_url": f"{BASE}/{conversation.id}/confirmations/{p.id}"}
            for p in conversation.proposals.values()
        ],
        "tokens": {"prompt": conversation.prompt_tokens, "completion": conversation.completion_tokens},
    }


class StartSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MessageSerializer(StrictSerializer):
    content = serializers.CharField(max_length=MAX_CONTENT)


class ConversationRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConversationRecord
        fields = ["id", "title", "started_at", "updated_at", "messages", "tokens"]


# Answered while no chat model is configured (the detail names the variables to set).
UNCONFIGURED = {(503, PROBLEM_CONTENT_TYPE): OpenApiTypes.OBJECT}


class ConversationsView(APIView):
    """The signed-in candidate's conversations (most recent first); POST starts one."""

    permission_classes = [IsAuthenticated, IsCandidate]
    throttle_classes = [CandidateQuota]
    throttle_scope = "conversations"

    @extend_schema(responses=inline_serializer("ConversationList", {"results": ConversationRecordSerializer(many=True)}))
    def get(self, request: Request) -> Response:
        records = ConversationRecord.objects.filter(candidate_id=request.user.id)[:100]
        return Response({"results": ConversationRecordSerializer(records, many=True).data})

    @extend_schema(request=StartSerializer, responses={201: CommandAcceptedSerializer, **UNCONFIGURED})
    def post(self, request: Request) -> Response:
        refused = _refusal(request, request.user.id)
        if refused is not None:
            return refused
        form = StartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        conversation_id, position = run_command(
            "candidate", lambda: get_jobraker().start_conversation(request.user.id, form.validated_data["title"])
        )
        return accepted(position, status.HTTP_201_CREATED, id=conversation_id)


class ConversationDetailView(APIView):
    """One conversation with its messages, tool calls and proposals: its candidate, staff or
    auditors (whose reads are recorded). Read from the conversation's own events."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: UUID) -> Response:
        reader = None if is_staff_or_auditor(request) else request.user.id
        conversation = run_command("candidate", lambda: get_jobraker().get_conversation(pk, reader))
        if conversation.candidate_id != request.user.id:
            from jobraker.api.audit_views import record_access

            record_access(request, conversation.candidate_id, "assistant conversation")
        return Response(conversation_json(conversation))


class MessagesView(APIView):
    """Post the candidate's message (202). Then GET the stream for the answer."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=MessageSerializer, responses={202: CommandAcceptedSerializer, **UNCONFIGURED})
    def post(self, request: Request, pk: UUID) -> Response:
        _own(request, pk)
        refused = _refusal(request, request.user.id)
        if refused is not None:
            return refused
        form = MessageSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        index, position = run_command(
            "candidate",
            lambda: get_jobraker().post_user_message(pk, request.user.id, form.validated_data["content"]),
        )
        return accepted(position, status.HTTP_202_ACCEPTED, id=pk, message=index, stream=f"{BASE}/{pk}/stream")


class StreamView(APIView):
    """The answer to the latest message as server-sent events: ``token`` (text as it arrives),
    ``tool_call``, ``tool_result``, ``tool_refused``, ``proposal``, ``message`` (the recorded
    answer), ``error``, then ``done``. With nothing to answer it replays the last answer."""

    permission_classes = [IsAuthenticated, IsCandidate]
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(responses={(200, "text/event-stream"): OpenApiTypes.STR, **UNCONFIGURED})
    def get(self, request: Request, pk: UUID) -> HttpResponseBase:
        conversation = _own(request, pk)
        if conversation.awaiting_answer:
            refused = _refusal(request, request.user.id)
            if refused is not None:
                return refused
        held = open_stream_slot(request.user.id)
        events = _answer(pk, request.user.id, conversation.awaiting_answer)
        return EventStreamResponse(held_while_streaming(request.user.id, held, events))


def _answer(conversation_id: UUID, candidate_id: UUID, awaiting: bool) -> Iterator[bytes]:
    """Runs while the response is sent (after the view returned), so it sets the request's
    causation itself and closes the turn inside it when the client goes away."""
    causation = current()
    jobraker = get_jobraker()

    def step(events: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[bytes]:
        try:
            while True:
                with caused_by(causation.correlation_id, causation.causation_id, actor="candidate"):
                    try:
                        kind, data = next(events)
                    except StopIteration:
                        return
                yield sse_event(_with_links(conversation_id, kind, data), event=kind)
        finally:
            with caused_by(causation.correlation_id, causation.causation_id, actor="candidate"):
                events.close()  # type: ignore[attr-defined]

    if not awaiting:
        yield from step(replay(jobraker.get_conversation(conversation_id, candidate_id)))
        return
    from jobraker.components import redis_client

    lock = redis_client().lock(f"jobraker:assistant:turn:{conversation_id}", timeout=TURN_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        yield from step(_await_other_turn(jobraker, conversation_id, candidate_id))
        return
    settings = get_settings()
    model = ChatModel(settings)
    try:
        yield from step(Turn(jobraker, conversation_id, candidate_id, model, settings.chat_max_tool_rounds).run())
    finally:
        model.close()
        try:
            lock.release()
        except LockError:
            pass  # expired: a turn this long was already given up on


def _await_other_turn(jobraker: Any, conversation_id: UUID, candidate_id: UUID) -> Iterator[tuple[str, dict[str, Any]]]:
    """Another request is answering this conversation: wait for its answer and replay it."""
    deadline = time.monotonic() + STREAM_SECONDS
    while time.monotonic() < deadline:
        conversation = jobraker.get_conversation(conversation_id, candidate_id)
        if not conversation.awaiting_answer:
            yield from replay(conversation)
            return
        time.sleep(0.25)
    yield "error", {"reason": "turn_in_progress", "detail": "Another request is still answering; reconnect to get the answer."}
    yield "done", {"position": 0, "answered": False}


def _with_links(conversation_id: UUID, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind == "proposal":
        return {**data, "confirm_url": f"{BASE}/{conversation_id}/confirmations/{data['proposal_id']}"}
    return data


class ConfirmationView(APIView):
    """Confirm (POST) or decline (DELETE) a preference change the assistant proposed. Confirming
    changes the candidate's preferences and records the confirmation in one transaction."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def post(self, request: Request, pk: UUID, proposal_id: UUID) -> Response:
        position = run_command("candidate", lambda: get_jobraker().confirm_proposal(pk, request.user.id, proposal_id))
        return accepted(position, id=proposal_id, status="confirmed")

    @extend_schema(request=None, responses={200: CommandAcceptedSerializer})  # answers 200 with a body, not 204
    def delete(self, request: Request, pk: UUID, proposal_id: UUID) -> Response:
        position = run_command("candidate", lambda: get_jobraker().decline_proposal(pk, request.user.id, proposal_id))
        return accepted(position, id=proposal_id, status="declined")
