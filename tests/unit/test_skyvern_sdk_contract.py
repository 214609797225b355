"""The sandbox against Skyvern's own Python SDK (``skyvern`` on PyPI, its generated ``skyvern.client``):
if the sandbox drifts from the shapes the SDK sends and parses, these fail.

The SDK pins structlog<24 and rich<14 while Jobraker needs structlog>=24.1, so it cannot be a
declared dependency; it is installed beside Jobraker with ``pip install --no-deps skyvern``
(its client needs only httpx and pydantic, which Jobraker has). The README's test command installs it."""

from __future__ import annotations

import json

import pytest
from skyvern.client import Skyvern  # noqa: E402
from skyvern.client.core.api_error import ApiError  # noqa: E402
from skyvern.client.errors import BadRequestError  # noqa: E402

from jobraker.appliers.payload import ERROR_CODES  # noqa: E402
from jobraker.appliers.sandbox import SandboxSkyvern, concurrency_limited, rate_limited  # noqa: E402
from jobraker.appliers.skyvern import SkyvernRun  # noqa: E402
from jobraker.appliers.verification import CONFIRMATION_SCHEMA  # noqa: E402

from ..integration.test_skyvern_sandbox import KEY, Receiver, url_with, wait_for  # noqa: E402

NO_RETRIES = {"max_retries": 0}  # the SDK itself retries 429/5xx when asked; here every answer is seen


@pytest.fixture
def sdk():  # type: ignore[no-untyped-def]
    with SandboxSkyvern(KEY, delay=0.05, retry_backoff=0.01, allow_private_hosts=True) as sandbox:
        yield Skyvern(base_url=sandbox.base_url, api_key=KEY, timeout=10), sandbox


def test_a_v2_run_as_jobraker_sends_it_is_parsed_by_the_sdk(sdk):
    client, sandbox = sdk
    with Receiver(refuse=0) as receiver:
        run = client.run_task(prompt="apply", url=url_with("confirmed"), engine="skyvern-2.0", title="Dev at Sandco",
                              data_extraction_schema=CONFIRMATION_SCHEMA, error_code_mapping=ERROR_CODES,
                              webhook_url=f"{receiver.origin}/hook", proxy_location="RESIDENTIAL", request_options=NO_RETRIES)
        assert run.run_id.startswith("tsk_v2_") and run.run_type == "task_v2" and run.status == "queued"
        done = wait_for(lambda: (r := client.get_run(run.run_id)).status == "completed" and r)
        wait_for(lambda: receiver.deliveries)
    assert done.output["confirmation_number"].startswith("SBX-") and done.app_url.endswith(run.run_id)
    assert done.run_request.engine == "skyvern-2.0" and done.run_request.error_code_mapping == ERROR_CODES
    raw, _ = receiver.deliveries[0]
    # The webhook body: what Jobraker reads, and what the SDK's run model reads.
    ours = SkyvernRun.model_validate_json(raw)
    assert ours.run_id == run.run_id and ours.output == done.output and ours.app_url == done.app_url
    body = json.loads(raw)
    assert "run_request" not in body and body["organization_id"] and body["summary"]


def test_a_v1_run_reports_no_output_and_error_codes_come_back_as_errors(sdk):
    client, sandbox = sdk
    v1 = client.run_task(prompt="apply", url=url_with("confirmed"), data_extraction_schema=CONFIRMATION_SCHEMA,
                         request_options=NO_RETRIES)
    assert v1.run_type == "task_v1"
    assert wait_for(lambda: (r := client.get_run(v1.run_id)).status == "completed" and r).output is None
    stopped = client.run_task(prompt="apply", url=url_with("posting_closed"), engine="skyvern-2.0",
                              error_code_mapping=ERROR_CODES, request_options=NO_RETRIES)
    done = wait_for(lambda: (r := client.get_run(stopped.run_id)).status == "terminated" and r)
    assert [e["error_code"] for e in done.errors] == ["posting_closed"]


def test_refusals_reach_the_sdk_as_skyvern_sends_them(sdk):
    client, sandbox = sdk
    with pytest.raises(BadRequestError) as blocked:
        strict = SandboxSkyvern(KEY, delay=60).start()
        try:
            Skyvern(base_url=strict.base_url, api_key=KEY).run_task(
                prompt="p", url="https://jobs.example.org/1", webhook_url="http://127.0.0.1:8000/hook",
                request_options=NO_RETRIES)
        finally:
            strict.stop()
    assert blocked.value.body == {"detail": "The host in your url is blocked: 127.0.0.1"}
    sandbox.refuse_next += [rate_limited("3"), concurrency_limited()]
    for _ in range(2):
        with pytest.raises(ApiError) as limited:
            client.run_task(prompt="p", url="https://jobs.example.org/1", request_options=NO_RETRIES)
        assert limited.value.status_code == 429 and "limit exceeded" in limited.value.body["detail"]
    sandbox.revoke_key()
    with pytest.raises(ApiError) as refused:
        client.get_run("tsk_1", request_options=NO_RETRIES)
    assert refused.value.status_code == 403 and refused.value.body == {"detail": "Invalid credentials"}


def test_cancel_replay_and_upload_through_the_sdk(sdk):
    client, sandbox = sdk
    slow = SandboxSkyvern(KEY, delay=60, allow_private_hosts=True).start()
    try:
        slow_client = Skyvern(base_url=slow.base_url, api_key=KEY)
        run = slow_client.run_task(prompt="p", url=url_with("confirmed"), request_options=NO_RETRIES)
        slow_client.cancel_run(run.run_id)
        assert slow_client.get_run(run.run_id).status == "canceled"
    finally:
        slow.stop()
    with Receiver(refuse=0) as receiver:
        run = client.run_task(prompt="p", url=url_with("confirmed"), webhook_url=f"{receiver.origin}/h",
                              request_options=NO_RETRIES)
        wait_for(lambda: len(receiver.deliveries) == 1)
        replay = client.retry_run_webhook(run.run_id)
        assert replay.run_id == run.run_id and replay.status_code == 200 and len(receiver.deliveries) == 2


def test_upload_file_and_delete_file_as_skyvern_answers_them(sdk):
    """The generated SDK 1.0.56 sends ``file`` as a plain form field; Skyvern's route takes an
    ``UploadFile``, so FastAPI (0.136, Skyvern's pin) refuses it with 422, as the sandbox does. A
    real multipart file (what Jobraker sends) is taken, and its answer parses as the SDK's own
    UploadFileResponse. The SDK has no delete call: DELETE /v1/files/{id} through its own HTTP client."""
    from skyvern.client.core.pydantic_utilities import parse_obj_as
    from skyvern.client.errors import UnprocessableEntityError
    from skyvern.client.types import UploadFileResponse

    client, sandbox = sdk
    with pytest.raises(UnprocessableEntityError) as refused:
        client.upload_file(file="%PDF-1.7 resume", request_options=NO_RETRIES)
    [error] = refused.value.body["detail"]
    assert error["loc"] == ["body", "file"] and error["msg"] == "Value error, Expected UploadFile, received: <class 'str'>"

    http = client._client_wrapper.httpx_client  # the SDK's own client: its base URL and x-api-key header
    answer = http.request("v1/upload_file", method="POST", files={"file": ("cv.pdf", b"%PDF-1.7 resume", "application/pdf")},
                          data={"retention_days": "1"})
    uploaded = parse_obj_as(UploadFileResponse, answer.json())  # as the SDK parses it
    assert uploaded.s3uri.endswith("_cv.pdf") and uploaded.presigned_url
    file_id = uploaded.model_extra["file_id"]  # Skyvern's UploadFileResponse has it; the SDK's type does not name it
    assert file_id.startswith("file_") and answer.json()["expires_at"].endswith("Z")
    assert sandbox.files[file_id] == ("cv.pdf", b"%PDF-1.7 resume")
    assert http.request(f"v1/files/{file_id}", method="DELETE").status_code == 204
    gone = http.request(f"v1/files/{file_id}", method="DELETE")
    assert (gone.status_code, gone.json()) == (404, {"detail": f"File {file_id} not found"})


def test_jobrakers_client_uploads_and_deletes_as_the_sdk_reads_it(sdk):
    from skyvern.client.core.pydantic_utilities import parse_obj_as
    from skyvern.client.types import UploadFileResponse

    from jobraker.appliers.skyvern import (
        SkyvernApplier,
        SkyvernKeyRefused,
        SkyvernUploadFailed,
    )

    _, sandbox = sdk
    ours = SkyvernApplier(sandbox.base_url, KEY)
    uploaded = ours.upload_file("cv.pdf", b"%PDF-1.7 resume", "application/pdf")
    assert parse_obj_as(UploadFileResponse, uploaded.model_dump(mode="json")).presigned_url == uploaded.presigned_url
    assert sandbox.files[uploaded.file_id][1] == b"%PDF-1.7 resume" and uploaded.expires_at is not None
    assert ours.delete_file(uploaded.file_id) == "deleted" and ours.delete_file(uploaded.file_id) == "gone"
    with pytest.raises(SkyvernUploadFailed, match="413"):
        ours.upload_file("big.pdf", b"x" * (10 * 1024 * 1024 + 1), "application/pdf")
    sandbox.revoke_key()
    with pytest.raises(SkyvernKeyRefused):
        ours.upload_file("cv.pdf", b"%PDF", "application/pdf")
    assert ours.delete_file("file_1") == "refused: 403"
