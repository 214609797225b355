"""Matches for the signed-in candidate, one job's explanation, free-text semantic search,
and shortlisting a match (which records the score, model and reasons as an event)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted
from jobraker.api.permissions import IsCandidate
from jobraker.api.query_params import validated_query
from jobraker.api.serializers import CommandAcceptedSerializer, JobSerializer, StrictSerializer
from jobraker.api.throttles import CandidateQuota
from jobraker.domain.application import Actor
from jobraker.embeddings.selection import get_provider
from jobraker.eventstore.app import get_jobraker
from jobraker.matching.precomputed import RenderedPage, Summary, stored_matches, stored_page
from jobraker.matching.scoring import Match
from jobraker.matching.service import explain, semantic_search, top_matches
from jobraker.projections.json_format import match_json, render_with_list, when
from jobraker.projections.models import CandidateRecord, JobRecord


class LimitSerializer(StrictSerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class SearchSerializer(LimitSerializer):
    q = serializers.CharField(min_length=2, max_length=500)


# What the responses look like, for the OpenAPI schema (the views build plain dicts).
MATCH_FIELDS = {
    "job": JobSerializer(),
    "score": serializers.IntegerField(min_value=0, max_value=100),
    "explanation": serializers.JSONField(help_text="Why: meaning, skills matched and missing, words, notes."),
}
REMOVED_BY_FILTER = serializers.DictField(child=serializers.IntegerField(), help_text="Jobs each hard filter removed.")
MATCHES = inline_serializer("Matches", {
    "model": serializers.CharField(), "removed_by_filter": REMOVED_BY_FILTER,
    "precomputed": serializers.BooleanField(help_text="Read from the precomputed matches (false: ranked for this request)."),
    "computed_at": serializers.DateTimeField(allow_null=True, help_text="When the precomputed matches were last updated."),
    "results": inline_serializer("Match", MATCH_FIELDS, many=True),
})
JOB_MATCH = inline_serializer("JobMatch", {
    **MATCH_FIELDS, "explanation": serializers.JSONField(required=False),
    "removed_by_filter": serializers.CharField(allow_null=True, help_text="The filter that keeps this job out, if one does."),
})
SEARCH_RESULTS = inline_serializer("SemanticSearchResults", {
    "model": serializers.CharField(),
    "results": inline_serializer("SemanticHit", {"job": JobSerializer(), "similarity": serializers.FloatField()}, many=True),
})


def ranked_json(match: Match, model: str) -> dict[str, Any]:
    return match_json(match.job, match.score, match.explanation(model))


def summary_json(summary: Summary) -> dict[str, Any]:
    """What a precomputed matches response says beside the matches (rows and page alike)."""
    return {"model": summary.model, "removed_by_filter": summary.removed_by_filter, "precomputed": True,
            "computed_at": when(summary.computed_at)}


def page_response(page: RenderedPage) -> HttpResponse:
    """The pre-rendered matches as they are: the text DRF would render for the same dict."""
    return HttpResponse(render_with_list(summary_json(page), "results", page.lines), content_type="application/json")


def _own_record(request: Request) -> CandidateRecord:
    return get_object_or_404(CandidateRecord, id=request.user.id)


class MatchesView(APIView):
    """The candidate's best jobs after hard filters, scored 0–100 with reasons, and how many
    jobs each filter removed. Read from the precomputed matches (kept up to date by a worker as
    listings and the candidate change: the first page pre-rendered, longer ones from the rows);
    ranked on the fly while those are not there yet or the candidate's own latest change is not
    ranked yet (``precomputed`` says which)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(parameters=[LimitSerializer], responses=MATCHES)
    def get(self, request: Request) -> Response:
        limit = validated_query(request, LimitSerializer)["limit"]
        provider = get_provider()
        page = stored_page(request.user.id, provider.model, limit)
        if page is not None:
            return page_response(page)
        stored = stored_matches(request.user.id, provider.model, limit)
        if stored is not None:
            return Response({**summary_json(stored), "results": [match_json(*result) for result in stored.results]})
        _own_record(request)
        matches = top_matches(request.user.id, provider, limit)
        return Response({
            "model": matches.model,
            "removed_by_filter": matches.removed_by_filter,
            "precomputed": False,
            "computed_at": None,
            "results": [ranked_json(m, matches.model) for m in matches.results],
        })


class JobMatchView(APIView):
    """Why this job scores what it does for the signed-in candidate, and which filter (if any)
    keeps it out of their matches."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=JOB_MATCH)
    def get(self, request: Request, pk: UUID) -> Response:
        _own_record(request)
        job = get_object_or_404(JobRecord, id=pk)
        provider = get_provider()
        match, removed_by = explain(request.user.id, job, provider)
        body = ranked_json(match, provider.model) if match else {"job": JobSerializer(job).data, "score": 0}
        return Response({**body, "removed_by_filter": removed_by})


class ShortlistMatchView(APIView):
    """Shortlist a matched job: records the match (score, model, explanation) and the shortlisting."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request, pk: UUID) -> Response:
        _own_record(request)
        job = get_object_or_404(JobRecord, id=pk)
        provider = get_provider()
        match, _ = explain(request.user.id, job, provider)
        if match is None:
            raise NotFound("This job has no match data yet (it has not been embedded).")
        application_id, position = run_command(
            "candidate",
            lambda: get_jobraker().shortlist_match(
                request.user.id, pk, match.score, provider.model, match.explanation(provider.model), Actor.CANDIDATE
            ),
        )
        return accepted(position, status.HTTP_201_CREATED, id=application_id)


class ApplyToJobView(APIView):
    """Apply now to a listing chosen by its id: records the match (score, model, explanation)
    and goes on as ``POST /applications/{id}/apply`` does (queued in full mode, prepared for
    approval in approve mode; the same consent, payload and at-most-once path). The match's score
    is recorded when the listing has been embedded (else none). If I already
    have an application for this job, that one is applied to. Answers 201 with the
    application's id. A job I track myself is not a listing here (404)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request, pk: UUID) -> Response:
        from jobraker.appliers.factory import approval_preparer

        _own_record(request)
        job = get_object_or_404(JobRecord, id=pk)
        provider = get_provider()
        match, _ = explain(request.user.id, job, provider)  # None: not embedded yet (applied to without a score)
        score, model, explanation = (match.score, provider.model, match.explanation(provider.model)) if match else (None, "", {})
        application_id, position = run_command(
            "candidate",
            lambda: get_jobraker().apply_to_listing(request.user.id, pk, score, model, explanation, approval_preparer()),
        )
        return accepted(position, status.HTTP_201_CREATED, id=application_id)


class SemanticSearchView(APIView):
    """Jobs nearest in meaning to free text (not keywords), most similar first."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [CandidateQuota]
    throttle_scope = "semantic_search"
    quota_reads = True  # each search embeds the query: CPU-heavy

    @extend_schema(parameters=[SearchSerializer], responses=SEARCH_RESULTS)
    def get(self, request: Request) -> Response:
        query = validated_query(request, SearchSerializer)
        results = semantic_search(query["q"], get_provider(), query["limit"])
        return Response({
            "model": get_provider().model,
            "results": [{"job": JobSerializer(job).data, "similarity": round(sim, 4)} for job, sim in results],
        })
