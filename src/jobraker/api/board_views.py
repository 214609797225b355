"""Employers' job boards (Greenhouse, Lever, Ashby), followed by token: by staff for everyone
(``/staff/boards``) or by a candidate for themselves (``/candidates/me/boards``). A board is
fetched at once and then with every scheduled ingestion (sources/boards/); its listings are
public postings every candidate may be matched with."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import Conflict, accepted
from jobraker.api.permissions import IsCandidate, IsStaff
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.domain.candidate import BOARD_SOURCES
from jobraker.eventstore.app import get_jobraker
from jobraker.sources.boards.client import FORMATS, check_board
from jobraker.sources.boards.following import FollowedByCandidates, follow, unfollow
from jobraker.sources.models import FollowedBoard


def checked_board(attrs: dict) -> dict:
    """A token that names a board (no path, no query) is a 400 on the field, before any command."""
    try:
        check_board(attrs["source"], attrs["token"])
    except ValueError as exc:
        raise serializers.ValidationError({"token": str(exc)}) from None
    return attrs


class FollowedBoardSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowedBoard
        fields = ["source", "token", "company", "followed_by", "created_at", "last_fetched_at", "last_error", "listings"]
        read_only_fields = ["followed_by", "created_at", "last_fetched_at", "last_error", "listings"]
        validators: list = []  # following again is not an error: the same board answers

    source = serializers.ChoiceField(choices=sorted(FORMATS))
    company = serializers.CharField(max_length=300, required=False, default="")

    def validate(self, attrs: dict) -> dict:
        return checked_board(attrs)


class FollowedBoardsView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(responses=FollowedBoardSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(FollowedBoardSerializer(FollowedBoard.objects.order_by("source", "token"), many=True).data)

    @extend_schema(request=FollowedBoardSerializer, responses={201: FollowedBoardSerializer})
    def post(self, request: Request) -> Response:
        from jobraker.workers.actors import ingest_board

        given = FollowedBoardSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        board = follow(data["source"], data["token"], data["company"] or data["token"], by=f"staff:{request.user.pk}")
        ingest_board.send(board.source, board.token)
        return Response(FollowedBoardSerializer(board).data, status=status.HTTP_201_CREATED)


class FollowedBoardView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, source: str, token: str) -> Response:
        try:
            unfollowed = unfollow(source, token)
        except FollowedByCandidates as exc:
            raise Conflict(str(exc)) from None
        if not unfollowed:
            raise NotFound("this board is not followed")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyBoardInSerializer(StrictSerializer):
    source = serializers.ChoiceField(choices=BOARD_SOURCES)
    token = serializers.CharField(max_length=100, help_text="the board's name in its URL, e.g. boards.greenhouse.io/<token>")
    company = serializers.CharField(max_length=300, required=False, default="", allow_blank=True,
                                    help_text="shown to you only (default: the token)")

    def validate(self, attrs: dict) -> dict:
        return checked_board(attrs)


class MyBoardSerializer(serializers.Serializer):
    source = serializers.CharField()
    token = serializers.CharField()
    company = serializers.CharField()
    last_fetched_at = serializers.DateTimeField(allow_null=True, help_text="null: not fetched yet")
    last_error = serializers.CharField(help_text="why the last fetch failed, if it did")
    listings = serializers.IntegerField(help_text="open postings at the last fetch")


class MyBoardsView(APIView):
    """The employers' boards I follow: their postings are fetched for everyone, so I am matched
    with them as with any listing; which boards I follow is mine (sealed, exported, erased)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=MyBoardSerializer(many=True))
    def get(self, request: Request) -> Response:
        followed = get_jobraker().get_candidate(request.user.id).followed_boards
        status_of = {(b.source, b.token): b for b in FollowedBoard.objects.filter(token__in=[t for _, t in followed])}
        rows = []
        for (source, token), company in sorted(followed.items()):
            board = status_of.get((source, token))  # None until the projection has it
            rows.append({"source": source, "token": token, "company": company,
                         "last_fetched_at": board.last_fetched_at if board else None,
                         "last_error": board.last_error if board else "", "listings": board.listings if board else 0})
        return Response(MyBoardSerializer(rows, many=True).data)

    @extend_schema(request=MyBoardInSerializer, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = MyBoardInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        position = run_command("candidate", lambda: get_jobraker().follow_board(
            request.user.id, data["source"], data["token"], data["company"]))
        return accepted(position, status.HTTP_201_CREATED, id=request.user.id)


class MyBoardView(APIView):
    """Stop following a board (its listings stay until they close, like any other)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def delete(self, request: Request, source: str, token: str) -> Response:
        if (source, token) not in get_jobraker().get_candidate(request.user.id).followed_boards:
            raise NotFound("you do not follow this board")
        position = run_command("candidate", lambda: get_jobraker().unfollow_board(request.user.id, source, token))
        return accepted(position, id=request.user.id)
