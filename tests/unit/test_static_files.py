"""Static files: WhiteNoise's file table is built once per process, and still serves and refuses
as WhiteNoise does."""

from __future__ import annotations

from django.test import Client

from jobraker.api.static_files import StaticFilesMiddleware


def test_every_middleware_made_in_a_process_shares_one_file_table():
    first, second = StaticFilesMiddleware(lambda request: None), StaticFilesMiddleware(lambda request: None)
    assert "/static/admin/css/base.css" in first.files
    assert first.files["/static/admin/css/base.css"] is second.files["/static/admin/css/base.css"]
    assert first.files.keys() == second.files.keys()


def test_a_new_client_serves_a_static_file_and_refuses_an_unknown_one():
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"/*")
    assert Client().get("/static/admin/css/no-such-file.css").status_code == 404
    assert Client().get("/static/../settings.py").status_code == 404
