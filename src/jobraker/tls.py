"""One TLS context for every outbound HTTP client of a process.

httpx builds a context for each client it makes, reading the CA bundle each time (about
20 ms of CPU); Jobraker makes a Skyvern client per submission, an Adzuna client per fetch and a
board client per request, so they share this one (an ``SSLContext`` is safe to share between
threads). It honours ``SSL_CERT_FILE``/``SSL_CERT_DIR`` as httpx does."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
