"""Connecting, reading and forgetting a candidate's mailbox connection.

The host must be a public name or address (domain/safe_url.py's rule, as for every URL we
reach), unless ``JOBRAKER_INBOX_PRIVATE_HOSTS`` is set for tests and the sandbox: otherwise a
candidate could point the worker at the machine's own network. A connection without TLS is
allowed only then too: an app password is not sent in clear over the internet."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from uuid import UUID

from jobraker.config import get_settings
from jobraker.domain.errors import InvalidValue
from jobraker.domain.safe_url import check_url
from jobraker.inbox.models import Mailbox, SeenMessage

SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    security: str = "ssl"


def check_connection(connection: Connection) -> Connection:
    """The connection if the worker may use it; ``InvalidValue`` naming the field otherwise."""
    if connection.security not in SECURITY:
        raise InvalidValue(f"security must be one of {', '.join(SECURITY)}")
    if not 1 <= connection.port <= 65535:
        raise InvalidValue("port must be between 1 and 65535")
    if not connection.host or any(c in connection.host for c in "/@:?# \t\r\n"):
        raise InvalidValue("host must be a host name or an IPv4 address")
    if not get_settings().inbox_private_hosts:
        check_url(f"https://{connection.host}/", field="host")
        if connection.security == "none":
            raise InvalidValue("security none is only for test servers: use ssl or starttls")
    return connection


def connect(candidate_id: UUID, connection: Connection) -> Mailbox:
    """Store (or replace) the candidate's connection. A new server or account starts reading
    afresh; the same one keeps its place."""
    check_connection(connection)
    mailbox = Mailbox.objects.filter(candidate_id=candidate_id).first()
    if mailbox is None:
        mailbox = Mailbox(candidate_id=candidate_id)
    elif (mailbox.connection or {}).get("host") != connection.host or (mailbox.connection or {}).get("user") != connection.user:
        mailbox.uidvalidity, mailbox.last_uid = None, 0
    mailbox.connection = asdict(connection)
    mailbox.last_error, mailbox.failures = "", 0
    mailbox.save()
    return mailbox


def connection_of(mailbox: Mailbox) -> Connection | None:
    """The stored connection, or None once the candidate's key is destroyed."""
    return Connection(**mailbox.connection) if mailbox.connection else None


def disconnect(candidate_id: UUID) -> bool:
    """Forget the connection and what was read through it; False if there was none."""
    SeenMessage.objects.filter(candidate_id=candidate_id).delete()
    return Mailbox.objects.filter(candidate_id=candidate_id).delete()[0] > 0
