"""Resume upload: type from the bytes, text extracted, file sealed at rest, limits enforced."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobraker.resumes.extract import DOCX, MAX_RESUME_BYTES, PDF, TEXT, ResumeRejected, extract

from ..api_helpers import signed_in, wait
from ..documents import docx_with_text, pdf_with_text

RESUME = "Ada Lovelace - Senior backend engineer - Django PostgreSQL Celery - ten years"


def test_pdf_docx_and_text_are_read_from_their_bytes():
    assert extract(pdf_with_text(RESUME)) .text == RESUME
    assert extract(pdf_with_text(RESUME)).content_type == PDF
    docx = extract(docx_with_text("Ada Lovelace", "Django and PostgreSQL"))
    assert (docx.content_type, docx.text) == (DOCX, "Ada Lovelace Django and PostgreSQL")
    assert extract(RESUME.encode()).content_type == TEXT


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "only PDF, DOCX or UTF-8 text"),
        (b"%PDF-1.4 this is not really a pdf", "could not read"),
        (b"PK\x03\x04 broken zip", "only PDF, DOCX or UTF-8 text"),
        (b"   \n ", "empty"),
        (b"a" * (MAX_RESUME_BYTES + 1), "the limit is"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ResumeRejected, match=message):
        extract(data)


def upload(client, data: bytes, name: str = "cv.pdf"):
    return client.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_upload_download_replace_delete(live_projector):
    client, created, _ = signed_in()
    pdf = pdf_with_text(RESUME)
    r = upload(client, pdf)
    assert r.status_code == 201, r.content
    me = client.get("/api/v1/candidates/me", **wait(client, r)).json()
    assert me["resume"]["filename"] == "cv.pdf" and me["resume"]["content_type"] == PDF
    download = client.get("/api/v1/candidates/me/resume")
    assert download.status_code == 200 and download.content == pdf
    assert download["Content-Disposition"] == 'attachment; filename="cv.pdf"'

    # The stored file and the event hold no plaintext of the resume.
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        stored = conn.execute("SELECT sealed_content FROM jobraker_resume_files WHERE candidate_id = %s", (created["id"],)).fetchall()
        events = conn.execute(f"SELECT state FROM {events_table()} WHERE originator_id = %s", (created["id"],)).fetchall()
    assert len(stored) == 1 and b"Lovelace" not in stored[0][0].encode()
    assert all(b"Lovelace" not in bytes(row[0]) and b"cv.pdf" not in bytes(row[0]) for row in events)

    r = upload(client, docx_with_text("Second version"), "cv2.docx")
    assert r.status_code == 201
    assert client.get("/api/v1/candidates/me", **wait(client, r)).json()["resume"]["filename"] == "cv2.docx"
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        count = conn.execute("SELECT count(*) FROM jobraker_resume_files WHERE candidate_id = %s", (created["id"],)).fetchone()[0]
    assert count == 1  # the replaced file is gone

    r = client.delete("/api/v1/candidates/me/resume")
    assert r.status_code == 200
    assert client.get("/api/v1/candidates/me/resume", **wait(client, r)).status_code == 404
    assert client.delete("/api/v1/candidates/me/resume").status_code == 409


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", 415),
        (b"%PDF-1.4 broken", "cv.pdf", 422),  # was 400; an unreadable file is unprocessable content
        (b"x" * (MAX_RESUME_BYTES + 1), "huge.txt", 413),
    ],
)
def test_bad_uploads_are_4xx_problems(live_projector, data, name, expected):
    client, _, _ = signed_in()
    r = upload(client, data, name)
    assert r.status_code == expected, r.content
    assert r["Content-Type"] == "application/problem+json"


def test_upload_without_a_file_field_is_400(live_projector):
    client, _, _ = signed_in()
    r = client.post("/api/v1/candidates/me/resume", {"other": "x"}, format="multipart")
    assert r.status_code == 400


def events_table() -> str:
    from jobraker.eventstore.app import get_jobraker

    return get_jobraker().recorder.events_table_name
