"""Erasure as an outside auditor checks it (issue 12, "Done when").

Candidate A and candidate B fill every field they can; A is erased through the API; the
projections and the post-erasure sweep (leftovers + VACUUM) run; PostgreSQL checkpoints.
Then every one of A's values is searched for — as UTF-8, JSON-escaped, hex (lower and upper)
and base64 (at each of the three alignments) — in:
  (a) a full pg_dump, and inside it every bytea value decoded, with any JSON inside parsed;
  (b) every file of the PostgreSQL data directory: relation files and WAL segments;
  (c) every Redis key and value, and Redis's dump.rdb and append-only file (not rewritten);
  (d) every file under the data folder (outbox, resumes, exports, logs);
  (e) the captured output of the run (every log record at DEBUG, stdout and stderr).
Positive controls show each search reads data: B's id, a listing's title and markers are
found where they are stored. Finally a backup of the key table taken before the erasure,
with every KEK on disk after a rotation, opens none of A's sealed fields.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.uploadedfile import SimpleUploadedFile

from jobraker.components import redis_client
from jobraker.config import get_settings
from jobraker.delivery.outbox import subject_folder
from jobraker.eventstore.app import get_jobraker
from jobraker.privacy.keyring import unwrap
from jobraker.privacy.rotation import rotate_keks

from ..api_helpers import PASSWORD, caught_up, signed_in, wait
from ..assistant_helpers import ask, chat_model, start
from ..conftest import relay_from_now
from ..documents import docx_with_text
from ..fakes.openai_chat_server import FakeOpenAIChat, Say
from ..integration.test_erasure import pg_dump, redis_values
from ..integration.test_erasure_barrier import dumped_key_rows, open_all, sealed_fields
from ..integration.test_erasure_leftovers import _last_vacuum
from ..integration.test_personal_data import jobraker_url


def personal_values(tag: str, who: str) -> dict[str, str]:
    """Distinctive values for every field a candidate can fill (the name is not ASCII, so its
    JSON-escaped form differs from its UTF-8)."""
    return {
        "name": f"Zoë {who}wyn Quarrington-{tag}",
        "headline": f"Bathyscaphe cartographer {who} {tag}",
        "skill": f"Glossolalia{who}{tag}",
        "location": f"Llanfair{who}pwll{tag}",
        "avoid": f"Ferroglyph{who}{tag}",
        "excluded": f"Umbrage{who}Holdings{tag}",
        "resume": f"Charted the {who}-Mariana trench vents in {tag}",
        "resume_docx": f"Surveyed {who} Rockall bank seamounts {tag}",
        "note": f"Recruiter {who}ephine hinted at relocation {tag}",
        "alert": f"Alert {who} nightjar {tag}",
        "alert_keyword": f"Nightjar{who}{tag}",
        "conversation": f"Chat {who} about saltmarsh {tag}",
        "message": f"Please find me {who} saltmarsh roles {tag}",
        "notification": f"Dear {who} your kestrel update {tag}",
    }


def forms(value: str) -> dict[str, bytes]:
    """The forms a value can take at rest: UTF-8, JSON-escaped, hex, and base64 wherever in an
    encoded stream it starts (the three alignments, edge characters dropped)."""
    raw = value.encode()
    found = {"utf8": raw, "json": json.dumps(value)[1:-1].encode(), "hex": raw.hex().encode(),
             "HEX": raw.hex().upper().encode()}
    if found["json"] == raw:
        del found["json"]
    for skip in range(3):
        core = raw[skip:]
        core = core[: len(core) - len(core) % 3]
        found[f"base64@{skip}"] = base64.b64encode(core)
    return found


def patterns(values: dict[str, str], who: str) -> dict[bytes, str]:
    return {pattern: f"{who}:{field}/{form}" for field, value in values.items() for form, pattern in forms(value).items()}


def grep(paths: list[Path], wanted: dict[bytes, str]) -> set[tuple[str, str]]:
    """(file, what) for every pattern found in any file under ``paths`` (GNU grep: fixed
    strings, binary files read as text, one pass over all patterns)."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing:
        return set()
    with tempfile.NamedTemporaryFile("wb", suffix=".patterns") as listed:
        listed.write(b"\n".join(wanted))
        listed.flush()
        result = subprocess.run(["grep", "-r", "-a", "-o", "-F", "-Z", "-f", listed.name, *existing],
                                capture_output=True, env={"LC_ALL": "C"}, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    hits = set()
    for line in result.stdout.splitlines():
        path, _, match = line.partition(b"\0")
        hits.add((path.decode(errors="replace"), wanted.get(match, match.decode(errors="replace"))))
    return hits


def search_bytes(blob: bytes, wanted: dict[bytes, str]) -> set[str]:
    return {what for pattern, what in wanted.items() if pattern in blob}


def decoded_dump(dump: bytes) -> tuple[bytes, list[str]]:
    """Every bytea value of the dump turned back into bytes, and every string in any JSON inside."""
    blobs = [bytes.fromhex(h.decode()) for h in re.findall(rb"\\\\x((?:[0-9a-fA-F]{2})+)", dump)]
    strings: list[str] = []
    for blob in blobs:
        try:
            walk(json.loads(blob), strings)
        except ValueError:
            pass
    return b"\n".join(blobs), strings


def walk(document, strings: list[str]) -> None:
    if isinstance(document, str):
        strings.append(document)
    elif isinstance(document, dict):
        for key, value in document.items():
            strings.append(key)
            walk(value, strings)
    elif isinstance(document, list):
        for item in document:
            walk(item, strings)


def postgres_files() -> Path:
    with psycopg.connect(jobraker_url(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        return Path(conn.execute("SHOW data_directory").fetchone()[0])


def redis_files() -> Path:
    client = redis_client()
    client.save()  # dump.rdb as of now; the append-only file is read as written, never rewritten
    return Path(client.config_get("dir")["dir"])


def fill_every_field(client, values: dict[str, str], listing_id: uuid.UUID):
    profile = client.patch("/api/v1/candidates/me/profile", {"headline": values["headline"], "locations": [values["location"]],
                                                             "skills": [values["skill"], "Python"]}, format="json")
    assert profile.status_code == 200, profile.content
    preferences = client.patch("/api/v1/candidates/me/preferences", {"avoid_keywords": [values["avoid"]],
                                                                     "excluded_companies": [values["excluded"]]}, format="json")
    assert preferences.status_code == 200, preferences.content
    resume = client.post("/api/v1/candidates/me/resume",
                         {"file": SimpleUploadedFile("cv.txt", values["resume"].encode())}, format="multipart")
    assert resume.status_code in (201, 202), resume.content
    docx = client.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile(
        "cv.docx", docx_with_text(values["resume_docx"]),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}, format="multipart")
    assert docx.status_code in (201, 202), docx.content
    tracked = client.post("/api/v1/applications", {"title": "Hydrographer", "company": "Tidewater", "applied": True},
                          format="json")
    assert tracked.status_code in (201, 202), tracked.content
    note = client.post(f"/api/v1/applications/{tracked.json()['id']}/notes", {"text": values["note"]}, format="json")
    assert note.status_code in (201, 202), note.content
    alert = client.post("/api/v1/alerts", {"name": values["alert"], "criteria": {"keywords": [values["alert_keyword"]]}},
                        format="json")
    assert alert.status_code in (201, 202), alert.content
    with chat_model(FakeOpenAIChat([Say("Noted.")])):
        ask(client, start(client, values["conversation"]), values["message"])
    # A shortlisted match records its explanation (matched and missing skills) in an event.
    shortlisted = client.post(f"/api/v1/candidates/me/matches/{listing_id}/shortlist", **wait(client, tracked))
    assert shortlisted.status_code in (201, 202), shortlisted.content
    explanation = get_jobraker().get_application(uuid.UUID(shortlisted.json()["id"])).explanation
    assert values["skill"] in json.dumps(explanation), explanation  # the leak of old: it carries the skills
    exported = client.post("/api/v1/candidates/me/exports")
    assert exported.status_code == 202, exported.content
    return exported


def settle(jobraker, relay, worker) -> None:
    """Projections read the write, the relay sends its messages, the worker does them, twice
    (messages sent by the workers' own events go round once more)."""
    for _ in range(2):
        caught_up(jobraker.recorder.max_notification_id() or 0)
        relay.catch_up()
        worker.join("default", timeout=60_000)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_auditor_finds_nothing_of_an_erased_candidate(jobraker, live_projector, dramatiq_worker, caplog, capfd,
                                                        settings):
    caplog.set_level(logging.DEBUG)
    # Mail goes where `jobraker up` puts it without SMTP: files in the data folder's outbox.
    settings.EMAIL_BACKEND = "jobraker.delivery.outbox.OutboxEmailBackend"
    tag = uuid.uuid4().hex[:8]
    a_values, b_values = personal_values(tag, "Alpha"), personal_values(tag, "Bravo")
    relay = relay_from_now(jobraker)
    a, a_created, a_email = signed_in(email=f"alpha.forensic-{tag}@example.org", name=a_values["name"])
    b, b_created, b_email = signed_in(email=f"bravo.forensic-{tag}@example.org", name=b_values["name"])
    a_values["email"], b_values["email"] = a_email, b_email
    a_id, b_id = uuid.UUID(a_created["id"]), uuid.UUID(b_created["id"])
    listing_title = f"Forensic listing marker {tag}"
    listing_id, _ = jobraker.post_job(source="forensics", external_id=tag, title=listing_title, company="Marker Ltd",
                                      location="London", country="gb", description="Python developer wanted",
                                      url="https://example.org/forensics")
    for client, values, candidate_id in ((a, a_values, a_id), (b, b_values, b_id)):
        exported = fill_every_field(client, values, listing_id)
        jobraker.send_notification(f"forensics:{candidate_id}", candidate_id, "test", values["notification"])
        settle(jobraker, relay, dramatiq_worker)
        export = client.get(f"/api/v1/exports/{exported.json()['id']}", **wait(client, exported)).json()
        assert export["status"] == "ready", export

    assert list(subject_folder(a_id).glob("*.eml"))  # A had mail in the outbox before the erasure

    # A backup of the key table, and the KEKs of its day, taken before the erasure (part 4).
    backup = dumped_key_rows()[str(a_id)]
    keks_then = json.loads(jobraker.keyring.kek_source.path.read_text())["keks"]

    erased_at = datetime.now(UTC)
    erased = a.post("/api/v1/candidates/me/erasure", {"password": PASSWORD}, format="json")
    assert erased.status_code == 202, erased.content
    wait(a, erased)
    settle(jobraker, relay, dramatiq_worker)  # the relay sends vacuum_after_erasure; the worker runs it
    vacuumed = _last_vacuum("jobraker_candidates")
    assert vacuumed is not None and vacuumed >= erased_at  # the sweep and VACUUM ran through the real pipeline
    marker = f"forensic-redis-marker-{tag}"
    redis_client().set(marker, b"present")
    logging.getLogger("jobraker.forensics").info("forensic-log-marker-%s", tag)

    a_wanted, b_wanted = patterns(a_values, "A"), patterns(b_values, "B")
    controls = {str(b_id).encode(): "B id", listing_title.encode(): "listing", marker.encode(): "redis marker",
                f"forensic-log-marker-{tag}".encode(): "log marker"}
    findings: dict[str, set] = {}

    # (a) the full dump, and decoded.
    dump = pg_dump()
    blobs, strings = decoded_dump(dump)
    findings["dump"] = search_bytes(dump, a_wanted)
    findings["dump bytea"] = search_bytes(blobs, a_wanted)
    findings["dump json"] = {f"{field}: {s[:60]}" for s in strings for field, v in a_values.items() if v in s}
    assert search_bytes(dump, controls) >= {"B id", "listing"}
    assert str(b_id) in strings and any(s.startswith("Forensic listing") for s in strings + [listing_title])
    assert search_bytes(dump, b_wanted) == set()  # B's personal values are sealed in the dump too

    # (b) relation files and WAL.
    pgdata = postgres_files()
    disk = grep([pgdata], {**a_wanted, **b_wanted, **controls})
    findings["postgres files"] = {(f, w) for f, w in disk if w.startswith("A:") and "/pg_wal/" not in f}
    findings["wal"] = {(f, w) for f, w in disk if w.startswith("A:") and "/pg_wal/" in f}
    assert {w for _, w in disk if w.startswith("B:")} == set()  # B's values are only ciphertext on disk too
    assert any("/pg_wal/" in f and w == "listing" for f, w in disk)
    assert any("/base/" in f and w == "B id" for f, w in disk)

    # (c) Redis: live keys and values, dump.rdb, the append-only file.
    findings["redis live"] = search_bytes(redis_values(), a_wanted)
    redis_dir = redis_files()
    redis_disk = grep([redis_dir], {**a_wanted, **b_wanted, **controls})
    assert {w for _, w in redis_disk if w.startswith("B:")} == set()
    findings["redis files"] = {(f, w) for f, w in redis_disk if w.startswith("A:")}
    assert any(f.endswith("dump.rdb") and w == "redis marker" for f, w in redis_disk)
    assert any("appendonly" in f and w == "redis marker" for f, w in redis_disk)

    # (d) the data folder, apart from the two servers' folders searched above.
    data_dir = get_settings().data_dir
    others = [p for p in data_dir.iterdir() if p.resolve() not in (pgdata.resolve(), redis_dir.resolve())]
    files = grep(others, {**a_wanted, **b_wanted})
    findings["data folder"] = {(f, w) for f, w in files if w.startswith("A:")}
    assert not subject_folder(a_id).exists()
    # Control: B's mail sits in B's outbox folder (the development mail sink; erasure removes it),
    # and nowhere else in the folder.
    assert {f for f, w in files if w.startswith("B:")} <= {f for f in map(str, subject_folder(b_id).glob("*.eml"))}
    assert any(str(subject_folder(b_id)) in f and w.startswith("B:email/") for f, w in files), files

    # (e) everything the run wrote: log records and both output streams.
    captured = capfd.readouterr()
    output = (caplog.text + captured.out + captured.err).encode()
    findings["output"] = search_bytes(output, a_wanted)
    assert "log marker" in search_bytes(output, controls)

    assert {where: found for where, found in findings.items() if found} == {}

    # B is untouched: their sealed values open through the API.
    me = b.get("/api/v1/candidates/me").json()
    assert me["name"] == b_values["name"] and me["email"] == b_email

    # Part 4: the backup opened with the KEKs of its day (positive control)...
    fields = sealed_fields(jobraker, a_id)
    assert len(fields) >= 5
    opened = open_all(a_id, unwrap(AESGCM(base64.b64decode(keks_then[str(backup[0])])), a_id, backup[1]), fields)
    assert a_values["name"] in opened and a_values["skill"] in opened and a_values["resume_docx"] in opened
    # ...and with every KEK on disk after the rotation, opens nothing.
    old_kek = keks_then[str(backup[0])]
    rotate_keks(jobraker.keyring, jobraker.keyring.kek_source)
    remaining = [base64.b64decode(k) for k in json.loads(jobraker.keyring.kek_source.path.read_text())["keks"].values()]
    for kek in [*remaining, get_settings().master_key_bytes]:
        with pytest.raises(InvalidTag):
            unwrap(AESGCM(kek), a_id, backup[1])
    # The retired KEK is in no file left on disk (data folder, database and Redis files).
    postgres_files()
    assert grep([data_dir], {old_kek.encode(): "old KEK", base64.b64decode(old_kek).hex().encode(): "old KEK hex"}) == set()
