"""The candidate's mailbox connection for inbox sync (``/candidates/me/mailbox``, inbox/) and
their forwarding address (``/candidates/me/forwarding-address``).

Only the candidate connects their own mailbox; staff and auditors may not (403), and nobody
reads the app password back: GET shows where and as whom, never the password."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.permissions import IsCandidate
from jobraker.api.serializers import StrictSerializer
from jobraker.inbox.forwarding import address_of
from jobraker.inbox.forwarding import disable as forwarding_off
from jobraker.inbox.forwarding import enable as forwarding_on
from jobraker.inbox.mailboxes import DEFAULT_PORTS, SECURITY, Connection, connect, disconnect
from jobraker.inbox.models import ForwardingAddress, Mailbox


class MailboxInSerializer(StrictSerializer):
    host = serializers.CharField(max_length=253)
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False,
                                    help_text="993 for ssl, 143 for starttls unless given")
    user = serializers.CharField(max_length=320)
    password = serializers.CharField(max_length=200, write_only=True, trim_whitespace=False,
                                     help_text="an app password; stored sealed, never shown again")
    security = serializers.ChoiceField(choices=SECURITY, default="ssl")


class MailboxOutSerializer(serializers.Serializer):
    host = serializers.CharField()
    port = serializers.IntegerField()
    user = serializers.CharField()
    security = serializers.CharField()
    connected_at = serializers.DateTimeField()
    last_polled_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(help_text="an error code from the last poll (e.g. login_refused), or empty")
    messages_read = serializers.IntegerField()


def shown(mailbox: Mailbox) -> dict:
    connection = mailbox.connection or {}
    return {
        "host": connection.get("host", ""), "port": connection.get("port", 0), "user": connection.get("user", ""),
        "security": connection.get("security", ""), "connected_at": mailbox.connected_at,
        "last_polled_at": mailbox.last_polled_at, "last_error": mailbox.last_error, "messages_read": mailbox.messages_read,
    }


class MailboxView(APIView):
    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=MailboxOutSerializer)
    def get(self, request: Request) -> Response:
        mailbox = Mailbox.objects.filter(candidate_id=request.user.id).first()
        if mailbox is None:
            raise NotFound("no mailbox is connected")
        return Response(MailboxOutSerializer(shown(mailbox)).data)

    @extend_schema(request=MailboxInSerializer, responses=MailboxOutSerializer)
    def put(self, request: Request) -> Response:
        from jobraker.workers.actors import sync_mailbox

        given = MailboxInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        connection = Connection(host=data["host"].strip().lower(), port=data.get("port") or DEFAULT_PORTS[data["security"]],
                                user=data["user"].strip(), password=data["password"], security=data["security"])
        mailbox = connect(request.user.id, connection)
        sync_mailbox.send(str(request.user.id))  # read at once, then with every scheduled poll
        return Response(MailboxOutSerializer(shown(mailbox)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not disconnect(request.user.id):
            raise NotFound("no mailbox is connected")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ForwardingAddressSerializer(serializers.Serializer):
    address = serializers.EmailField(help_text="give it to employers, or forward their mail to it")
    created_at = serializers.DateTimeField()
    messages_received = serializers.IntegerField()
    last_received_at = serializers.DateTimeField(allow_null=True)


class ForwardingAddressView(APIView):
    """My forwarding address: mail that arrives there is read like mail from a connected mailbox
    (matched to an application, classified, on its timeline), without giving Jobraker a password.
    The address is derived from a secret and my id (the same one each time I turn it on);
    turning it off refuses mail sent to it."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=ForwardingAddressSerializer)
    def get(self, request: Request) -> Response:
        forwarding = ForwardingAddress.objects.filter(candidate_id=request.user.id).first()
        if forwarding is None:
            raise NotFound("no forwarding address is turned on")
        return Response(_forwarding(forwarding))

    @extend_schema(request=None, responses={201: ForwardingAddressSerializer})
    def post(self, request: Request) -> Response:
        return Response(_forwarding(forwarding_on(request.user.id)), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not forwarding_off(request.user.id):
            raise NotFound("no forwarding address is turned on")
        return Response(status=status.HTTP_204_NO_CONTENT)


def _forwarding(forwarding: ForwardingAddress) -> dict:
    return ForwardingAddressSerializer({
        "address": address_of(forwarding), "created_at": forwarding.created_at,
        "messages_received": forwarding.messages_received, "last_received_at": forwarding.last_received_at,
    }).data
