"""Which URLs may reach Skyvern or a person: the one check used wherever a URL enters
(API input, source ingestion, the domain's listing validation) and again right before a
submission is sent.

A URL is refused unless it is ``http``/``https``, carries no user name or password, is at
most ``MAX_LENGTH`` characters, and its host is a public name or address. Addresses are
judged by the standard ``ipaddress`` module — never by string matching — both when the host
is written as an address (any form ``inet_aton`` accepts, such as ``2130706433`` or
``0177.0.0.1``, and IPv4-mapped IPv6) and for every address the name resolves to.

A name that does not resolve is *not* refused: listings name employers' sites that this
machine may not be able to resolve (it has no general DNS), and refusing them would refuse
every listing. A name that resolves to a forbidden address always is.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import SplitResult, urlsplit

from jobraker.domain.errors import InvalidValue

MAX_LENGTH = 1000
SCHEMES = ("http", "https")
# Names that mean "this machine" or "this private network" whatever DNS says.
FORBIDDEN_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
FORBIDDEN_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet", ".corp")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Iterable[str]]


class UnsafeUrl(InvalidValue):
    """The URL may not be stored or sent; the message says why (never echoes credentials)."""


def check_url(url: str, field: str = "url", resolve: Resolver | None = None) -> str:
    """The URL as given, if it is safe; raises ``UnsafeUrl`` naming ``field`` otherwise. Without
    ``resolve`` it checks everything but what the name resolves to (pure, no network); the adapters
    pass this machine's resolver (``jobraker/public_urls.py``)."""
    if not isinstance(url, str) or not url:
        raise UnsafeUrl(f"{field} must be a non-empty http or https URL")
    if len(url) > MAX_LENGTH:
        raise UnsafeUrl(f"{field} must be at most {MAX_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        raise UnsafeUrl(f"{field} must not contain spaces, control characters or backslashes")
    parts = _split(url, field)
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeUrl(f"{field} must use http or https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl(f"{field} must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl(f"{field} must name a host")
    address = literal_address(host)
    if address is not None:
        _check_address(address, field)
        return url
    name = _ascii_name(host, field)
    if name in FORBIDDEN_NAMES or name.endswith(FORBIDDEN_SUFFIXES) or "." not in name:
        raise UnsafeUrl(f"{field} must name a public host, not {name}")
    for resolved in resolve(name) if resolve is not None else ():
        _check_address(ipaddress.ip_address(resolved.split("%", 1)[0]), field)
    return url


def _split(url: str, field: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        if parts.port is not None and not 0 < parts.port:  # .port raises ValueError above 65535
            raise ValueError("port 0")
    except ValueError:
        raise UnsafeUrl(f"{field} is not a valid URL") from None
    return parts


def literal_address(host: str) -> IPAddress | None:
    """The address a host is written as, in any form a resolver would accept as one
    (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1`` are all 127.0.0.1)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if host.isascii() and all(ch.isalnum() or ch == "." for ch in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and not address_is_public(embedded):
            return False
    return not (
        address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified or not address.is_global
    )


def _check_address(address: IPAddress, field: str) -> None:
    if not address_is_public(address):
        raise UnsafeUrl(f"{field} must point to a public address, not a loopback, private, link-local, "
                        "multicast, reserved or unspecified one")


def _ascii_name(host: str, field: str) -> str:
    try:
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeUrl(f"{field} has a host name that is not valid") from None
    if not all(ch.isalnum() or ch in ".-_" for ch in name) or ".." in name:
        raise UnsafeUrl(f"{field} has a host name that is not valid")
    return name
