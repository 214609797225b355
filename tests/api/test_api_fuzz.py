"""Hostile input against the whole API: schemathesis generates requests from our own OpenAPI
schema (/api/schema/) and sends them to the real Django app in-process (WSGI), both as an
anonymous client and as a signed-in candidate, valid and invalid data alike.

Every response must be: not a server error; an error only as problem+json; a status code the
schema documents; a body matching the schema. ``JOBRAKER_FUZZ_EXAMPLES`` raises the number of
examples per operation, mode and client for a longer run (CI's default sends over 1,000 requests).
"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from jobraker.api.delivery_views import NotificationStreamView

from ..api_helpers import login, register
from ..assistant_helpers import chat_model
from ..conftest import unique_email

EXAMPLES = int(os.environ.get("JOBRAKER_FUZZ_EXAMPLES", "6"))
MINIMUM_REQUESTS = 1_000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_generated_requests_never_break_the_api(live_projector, monkeypatch):
    # Short event streams (each generated request reads a stream to its end), and a loopback chat
    # model, so the assistant's endpoints answer for real instead of "not configured".
    monkeypatch.setattr(NotificationStreamView, "stream_seconds", 0.2)
    with chat_model():
        _fuzz_every_operation()


def _fuzz_every_operation() -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    email = unique_email("fuzz")
    registered = register(APIClient(), email, name="Fuzz Candidate")
    candidate = {"Authorization": f"Bearer {login(APIClient(), email, registered['position'])}"}
    sent: Counter[str] = Counter()
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            for who, headers in (("anonymous", {}), ("candidate", candidate)):
                label = f"{operation.label} [{mode.value}, {who}]"
                try:
                    _fuzz(operation, mode, headers, sent)
                except Unsatisfiable:
                    pass  # nothing in this operation's request can be made invalid (negative mode)
                except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported together below
                    failures[label] = f"{type(error).__name__}: {error}"[:2000]
    print(f"schemathesis: {sum(sent.values())} requests, by status {dict(sorted(sent.items()))}")
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    assert sum(sent.values()) >= MINIMUM_REQUESTS, sent
    assert {"2", "4"} <= {status[0] for status in sent}, sent  # both accepted and refused requests were made


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str], sent: Counter[str]) -> None:  # type: ignore[no-untyped-def]
    # No shrinking: schemathesis reports the failing request itself, and shrinking large
    # request bodies can take minutes.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def one_request(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=headers)
        sent[str(response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])[0]  # lower-case keys, list values
            assert content_type.startswith("application/problem+json"), (response.status_code, content_type)

    one_request()


def test_a_bad_token_is_refused_with_a_readable_detail():
    response = APIClient().get("/api/v1/applications", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "token" in detail.lower() and "{" not in detail and "ErrorDetail" not in detail  # a sentence, not a dict's repr
