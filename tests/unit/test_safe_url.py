"""URL safety (``jobraker.domain.safe_url``): what may reach Skyvern or a person. Every form of
an internal address is refused, whether written as one or reached by resolving a name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.domain.errors import InvalidValue
from jobraker.domain.safe_url import MAX_LENGTH, UnsafeUrl, check_url, literal_address
from jobraker.public_urls import check_public_url, resolve_addresses

REFUSED = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata (link-local)
    "http://[fd00:ec2::254]/latest/",  # the IPv6 metadata address (unique local)
    "http://[::1]:6379/",  # loopback IPv6, Redis' port
    "http://user:pass@127.0.0.1/",  # credentials and loopback
    "https://user:pass@jobs.example.org/",  # credentials alone
    "https://user@jobs.example.org/",
    "http://10.0.0.1",
    "http://172.16.5.4/",
    "http://192.168.1.1/admin",
    "http://100.64.0.1/",  # carrier-grade NAT (shared, not global)
    "http://0.0.0.0/",  # unspecified
    "http://[::]/",
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:169.254.169.254]/",
    "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0177.0.0.1/",  # octal
    "http://0x7f.0.0.1/",  # hexadecimal
    "http://127.1/",  # short form
    "http://017700000001/",  # one octal number
    "http://[fe80::1%25eth0]/",  # link-local with a zone
    "http://localhost:8000/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://printer.local/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://intranet/",  # a single label resolves through search domains
    "ftp://jobs.example.org/file",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "gopher://jobs.example.org:6379/_INFO",
    "//jobs.example.org/no-scheme",
    "https://jobs.example.org/" + "a" * MAX_LENGTH,  # overlong
    "https://jobs.example.org/a b",
    "https://jobs.example.org\\@127.0.0.1/",
    "https://jobs.example.org:99999/",
    "https://jobs.example.org:0/",
    "",
]

ACCEPTED = [
    "https://jobs.example.org/apply/1",
    "http://jobs.example.org/",
    "https://www.adzuna.co.uk/jobs/land/ad/4100000001?se=x&v=1",
    "https://sandbox.adzuna.invalid/land/ad/4100000001",  # does not resolve: allowed at entry (see docs/security.md)
    "https://93.184.215.14/jobs",  # a public address written as one
    "https://[2606:4700:4700::1111]/",
    "https://bücher.example/jobs",
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_credentialed_odd_and_overlong_urls_are_refused(url):
    with pytest.raises(UnsafeUrl):
        check_url(url, resolve=lambda host: [])


@pytest.mark.parametrize("url", ACCEPTED)
def test_public_http_urls_are_accepted(url):
    assert check_url(url, resolve=lambda host: []) == url


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fe80::1", "::ffff:10.0.0.1", "0.0.0.0"])
def test_a_name_that_resolves_to_a_forbidden_address_is_refused(address):
    with pytest.raises(UnsafeUrl, match="public address"):
        check_url("https://innocent-looking.example.com/apply", resolve=lambda host: ["93.184.215.14", address])


def test_the_adapters_check_every_address_the_system_resolver_gives(monkeypatch):
    import socket

    assert "127.0.0.1" in resolve_addresses("localhost")  # the real resolver (/etc/hosts)
    assert resolve_addresses("does-not-resolve.example.org") == []
    # A name this machine cannot resolve is accepted at entry; one it resolves inward never is.
    assert check_public_url("https://does-not-resolve.example.org/x") == "https://does-not-resolve.example.org/x"
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: real("10.0.0.5", *a, **k))
    with pytest.raises(UnsafeUrl, match="public address"):
        check_public_url("https://rebound.example.org/x")
    assert check_url("https://rebound.example.org/x") == "https://rebound.example.org/x"  # the domain asks no DNS


def test_numeric_hosts_are_read_as_a_resolver_reads_them():
    """What urlsplit leaves as a "name" (``2130706433``, ``0177.0.0.1``) a resolver reads as an
    address; ``literal_address`` reads them the same way (via ``inet_aton``), not by pattern."""
    assert str(literal_address("2130706433")) == "127.0.0.1"
    assert str(literal_address("0177.0.0.1")) == "127.0.0.1"
    assert str(literal_address("0x7f.1")) == "127.0.0.1"
    assert literal_address("jobs.example.org") is None


def test_refusal_names_the_field_and_never_echoes_credentials():
    with pytest.raises(UnsafeUrl) as refused:
        check_url("http://admin:hunter2@jobs.example.org/", field="url")
    assert str(refused.value).startswith("url ") and "hunter2" not in str(refused.value)
    assert isinstance(refused.value, InvalidValue)  # the domain's own error: listings refuse it too


@given(st.ip_addresses())
def test_every_address_is_accepted_only_if_it_is_global(address):
    url = f"http://[{address}]/" if address.version == 6 else f"http://{address}/"
    embedded = [getattr(address, "ipv4_mapped", None), getattr(address, "sixtofour", None),
                (address.teredo or (None, None))[1] if address.version == 6 else None]
    def public(a):  # type: ignore[no-untyped-def]
        return a.is_global and not a.is_multicast and not a.is_reserved

    # An embedded IPv4 address is held to the same rule (2002:e000:: embeds multicast 224.0.0.0,
    # which is_global alone lets through).
    allowed = public(address) and all(e is None or public(e) for e in embedded)
    if allowed:
        assert check_url(url, resolve=None) == url
    else:
        with pytest.raises(UnsafeUrl):
            check_url(url, resolve=None)
