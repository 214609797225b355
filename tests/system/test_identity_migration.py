"""An existing store upgrades: accounts get their blind index and reservation, candidate rows
get their address sealed, and the plaintext columns go (migrations accounts 0002–0004 and
projections 0008, then 0012 moves the address into a SealedTextField), run on a database of its own migrated back to before them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

SRC = str(Path(__file__).resolve().parents[2] / "src")

BEFORE_ROWS = """
INSERT INTO jobraker_accounts (id, password, is_superuser, email, role, is_active, is_staff, created_at)
VALUES (%(candidate)s, '!', false, %(candidate_email)s, 'candidate', true, false, now()),
       (%(staff)s, '!', false, %(staff_email)s, 'staff', true, true, now());
--
INSERT INTO jobraker_candidates (id, email, name, registered_at, profile, preferences, consents, auto_apply,
    is_active, version, position)
VALUES (%(candidate)s, %(candidate_email)s, 'Old Timer', now(), '{}', '{}', '{}', '{}', true, 1, 1);
"""

CHECK = """
import json, sys, uuid
from jobraker.bootstrap import setup_django
setup_django()
from jobraker.accounts.models import Account, EmailReservation
from jobraker.privacy.blind_index import email_index
from django.db import connection
from jobraker.projections.models import CandidateRecord
args = json.loads(sys.argv[1])
record = CandidateRecord.objects.get(id=args["candidate"])
with connection.cursor() as cursor:
    cursor.execute("SELECT email FROM jobraker_candidates WHERE id = %s", [args["candidate"]])
    raw_email = cursor.fetchone()[0]
print(json.dumps({
    "candidate_login": str(Account.objects.get_by_natural_key(args["candidate_email"]).id),
    "staff_login": str(Account.objects.get_by_natural_key(args["staff_email"]).id),
    "reservations": sorted([str(r.subject_id), r.kind] for r in EmailReservation.objects.filter(
        email_index__in=[email_index(args["candidate_email"]), email_index(args["staff_email"])])),
    "sealed_opens": record.email,
    "plaintext_in_row": args["candidate_email"] in raw_email,
    "verified": record.address_verified,
}))
"""


DATA_DIRS: dict[str, str] = {}


@pytest.fixture
def old_database():
    server = os.environ["DATABASE_URL"]
    name = f"jobraker_migr_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlsplit(server)._replace(path=f"/{name}").geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    yield url
    shutil.rmtree(DATA_DIRS.pop(url, ""), ignore_errors=True)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def django(url: str, *args: str) -> str:
    # A data folder of its own too: its key-encryption keys must be the ones this database
    # records (the session's folder has rotated past them in other tests).
    data_dir = DATA_DIRS.setdefault(url, tempfile.mkdtemp(prefix="jrt-migr-"))
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "jobraker.settings",
           "JOBRAKER_DATA_DIR": data_dir}
    result = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_existing_accounts_and_candidate_rows_are_upgraded(old_database):
    django(old_database, "-m", "django", "migrate", "--no-input", "-v", "0")
    django(old_database, "-m", "django", "migrate", "--no-input", "-v", "0", "projections", "0005")
    django(old_database, "-m", "django", "migrate", "--no-input", "-v", "0", "accounts", "0001")
    ids = {"candidate": str(uuid.uuid4()), "staff": str(uuid.uuid4()),
           "candidate_email": f"old-{uuid.uuid4().hex[:8]}@example.org", "staff_email": f"ops-{uuid.uuid4().hex[:8]}@example.org"}
    with psycopg.connect(old_database, autocommit=True) as conn:
        for statement in BEFORE_ROWS.split("--"):
            conn.execute(statement, ids)

    django(old_database, "-m", "django", "migrate", "--no-input", "-v", "0")

    after = json.loads(django(old_database, "-c", CHECK, json.dumps(ids)))
    assert after == {
        "candidate_login": ids["candidate"], "staff_login": ids["staff"],
        "reservations": sorted([[ids["candidate"], "candidate"], [ids["staff"], "staff"]]),
        "sealed_opens": ids["candidate_email"], "plaintext_in_row": False, "verified": True,
    }
    with psycopg.connect(old_database) as conn:
        columns = {r[0] for r in conn.execute(
            "SELECT table_name || '.' || column_name FROM information_schema.columns "
            "WHERE table_name IN ('jobraker_accounts', 'jobraker_candidates')")}
    assert "jobraker_accounts.email" not in columns  # the candidates' column is sealed (plaintext_in_row above)
