"""Outbound HTTP clients share one TLS context (jobraker/tls.py), and it still verifies."""

from __future__ import annotations

import ssl

import pytest

from jobraker.appliers.skyvern import SkyvernApplier
from jobraker.tls import tls_context


@pytest.fixture
def contexts_built(monkeypatch):  # type: ignore[no-untyped-def]
    tls_context.cache_clear()
    built: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    yield built
    tls_context.cache_clear()


def test_clients_made_one_after_another_read_the_ca_bundle_once(contexts_built):
    for _ in range(3):  # one Skyvern client per submission
        SkyvernApplier("https://api.skyvern.com", "sk-test")._http.close()
    assert len(contexts_built) == 1


def test_the_shared_context_checks_certificates_and_host_names(contexts_built):
    context = tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # a CA bundle is loaded
