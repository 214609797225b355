"""The candidate's answer bank (``/candidates/me/answers``) and answering the question an
application waits on (``POST /applications/{id}/answer``). Only the candidate answers for
themselves: staff and auditors may not put words in a candidate's mouth (403).

The answers are personal data held only sealed in the answer bank's events, so they are read
from the aggregate (as the prepared submission is), never copied into a read table."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.application_views import require_access
from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted
from jobraker.api.permissions import IsCandidate
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.domain.answers import (
    ANSWER_CHARS,
    CUSTOM,
    PREFER_NOT_TO_SAY,
    QUESTION_CHARS,
    is_sensitive,
    seed_questions,
)
from jobraker.domain.application import Actor
from jobraker.domain.candidate import Candidate
from jobraker.eventstore.app import get_jobraker


class AnswerInSerializer(StrictSerializer):
    topic = serializers.CharField(max_length=100, required=False, default=CUSTOM,
                                  help_text="a seeded topic from GET (e.g. notice_period, work_authorisation:de, years:python) or custom")
    question = serializers.CharField(max_length=QUESTION_CHARS, required=False,
                                     help_text="the question as forms ask it; a seeded topic's own question if left out")
    answer = serializers.CharField(max_length=ANSWER_CHARS, allow_blank=True,
                                   help_text=f'for a sensitive question, empty means "{PREFER_NOT_TO_SAY}"')


class AnswerOutSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="null: a seeded question not answered yet")
    topic = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField(allow_null=True)
    sensitive = serializers.BooleanField(help_text="never answered for you unless you set it")


class AnswerBankSerializer(serializers.Serializer):
    answers = AnswerOutSerializer(many=True)


class QuestionAnswerSerializer(StrictSerializer):
    answer = serializers.CharField(max_length=ANSWER_CHARS, allow_blank=True)
    question = serializers.CharField(max_length=QUESTION_CHARS, required=False,
                                     help_text="the question as it should be kept in the bank (default: as the form asked it)")


class AnswerAcceptedSerializer(CommandAcceptedSerializer):
    answer_id = serializers.UUIDField()


def bank_listing(candidate: Candidate, given: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Every answer given, then each seeded question still unanswered (for this candidate's
    countries and skills), so the candidate sees what forms will ask."""
    rows = [{"id": str(a.id), "topic": a.topic, "question": a.question, "answer": a.answer, "sensitive": a.sensitive}
            for a in given]
    answered = {a.topic for a in given}
    profile, preferences = candidate.profile, candidate.preferences
    countries = getattr(preferences, "countries", ()) or ()
    skills = getattr(profile, "skills", ()) or ()
    for topic, question in seed_questions(tuple(countries), tuple(skills)).items():
        if topic not in answered:
            rows.append({"id": None, "topic": topic, "question": question, "answer": None,
                         "sensitive": is_sensitive(topic, question)})
    return rows


class AnswerBankView(APIView):
    """My answers to the screening questions forms ask. Jobraker gives the applying agent these
    and nothing else; a question they do not cover stops the run (the application then waits in
    needs_input for my answer)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=AnswerBankSerializer)
    def get(self, request: Request) -> Response:
        jobraker = get_jobraker()
        candidate = jobraker.get_candidate(request.user.id)
        given = jobraker.get_answer_bank(request.user.id).given()
        return Response({"answers": bank_listing(candidate, given)})

    @extend_schema(request=AnswerInSerializer, responses={201: AnswerAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = AnswerInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        question = data.get("question") or self._seeded_question(request, data["topic"])
        aid, position = run_command(
            "candidate", lambda: get_jobraker().set_answer(request.user.id, data["topic"], question, data["answer"]))
        return accepted(position, status.HTTP_201_CREATED, id=request.user.id, answer_id=aid)

    def _seeded_question(self, request: Request, topic: str) -> str:
        candidate = get_jobraker().get_candidate(request.user.id)
        seeds = seed_questions(tuple(getattr(candidate.preferences, "countries", ()) or ()),
                               tuple(getattr(candidate.profile, "skills", ()) or ()))
        if topic not in seeds:
            raise serializers.ValidationError({"question": ["Required for a custom or unknown topic."]})
        return seeds[topic]


class AnswerView(APIView):
    """Remove one of my answers (a form asking it again then stops the run for me to answer)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def delete(self, request: Request, answer_id: UUID) -> Response:
        if answer_id not in get_jobraker().get_answer_bank(request.user.id).answers:
            raise NotFound()
        position = run_command("candidate", lambda: get_jobraker().remove_answer(request.user.id, answer_id))
        return accepted(position, id=answer_id)


class ApplicationAnswerView(APIView):
    """Answer the question an application waits on (status needs_input): the answer goes into my
    answer bank and the application is queued again for a new run."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=QuestionAnswerSerializer, responses=AnswerAcceptedSerializer)
    def post(self, request: Request, pk: UUID) -> Response:
        require_access(request, pk)
        form = QuestionAnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        aid, position = run_command("candidate", lambda: get_jobraker().answer_question(
            pk, data["answer"], Actor.CANDIDATE, question=data.get("question")))
        return accepted(position, id=pk, answer_id=aid)
