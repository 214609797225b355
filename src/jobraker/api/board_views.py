"""Staff follow employers' job boards (Greenhouse, Lever, Ashby) by token: the board is fetched
at once and then with every scheduled ingestion (sources/boards/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.permissions import IsStaff
from jobraker.sources.boards.client import FORMATS, check_board
from jobraker.sources.boards.following import follow, unfollow
from jobraker.sources.models import FollowedBoard


class FollowedBoardSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowedBoard
        fields = ["source", "token", "company", "followed_by", "created_at", "last_fetched_at", "last_error", "listings"]
        read_only_fields = ["followed_by", "created_at", "last_fetched_at", "last_error", "listings"]
        validators: list = []  # following again is not an error: the same board answers

    source = serializers.ChoiceField(choices=sorted(FORMATS))
    company = serializers.CharField(max_length=300, required=False, default="")

    def validate(self, attrs: dict) -> dict:
        try:
            check_board(attrs["source"], attrs["token"])
        except ValueError as exc:
            raise serializers.ValidationError({"token": str(exc)}) from None
        return attrs


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
        if not unfollow(source, token):
            raise NotFound("this board is not followed")
        return Response(status=status.HTTP_204_NO_CONTENT)
