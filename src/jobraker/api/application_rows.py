"""Applications and their timelines as JSON, read with written-out statements.

The same output as ``ApplicationSerializer`` / ``ApplicationDetailSerializer`` (which stay as the
OpenAPI description, and which ``tests/api/test_read_queries.py`` compares this with), without the
ORM's query building or DRF's per-field machinery: the applications list and the timeline are the
most read pages after matches, and building their queries cost more than running them (issue 15:
≥ 0.6 of a trivial endpoint's throughput). The list's rows are written as JSON by PostgreSQL
itself: loading twenty rows of thirteen columns into Python objects and writing them out again
cost more than the rest of the request's own work."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection
from django.utils import timezone

from jobraker.appliers.models import SubmissionRecord
from jobraker.privacy.keystore import KEYS
from jobraker.privacy.sealed_fields import learn_key
from jobraker.projections.json_format import javascript_safe, when
from jobraker.projections.models import ApplicationRecord, TimelineEntry
from jobraker.projections.prepared import prepared_cursor

APPLICATION_COLUMNS = ("id", "candidate_id", "job_id", "source", "status", "score", "notes", "created_at",
                       "updated_at", "submitted_at", "skip_reason", "version")
JOB_SHOWN = ("title", "company", "url")
SUBMISSION_COLUMNS = ("applier", "dry_run", "run_id", "verification", "reason", "sent_at", "run_status", "error_code",
                      "recording_url", "screenshot_urls", "app_url")
TIMELINE_COLUMNS = ("version", "kind", "action", "status", "by", "at", "detail")


def utc_text(column: str) -> str:
    """SQL writing a timestamp as ``when`` does in the API's time zone, UTC: ISO 8601, the
    microseconds only when there are any (as ``datetime.isoformat``), "Z"; null stays null."""
    return f"""replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z'"""


_TIMES = ("created_at", "updated_at", "submitted_at")
# Each application the reader may see as ``application_json`` writes it, with its creation time
# as written there (the paginator's position): one compact JSON object per row, keys in the
# serializer's order, "job" what it shows of its job (tracked jobs too: these are applications the
# reader may see, so their jobs are theirs) or null when the job has no row.
APPLICATION_PAGE_SQL = f"""
SELECT shown.created_at, row_to_json(shown)::text
FROM jobraker_applications AS a LEFT JOIN jobraker_jobs AS j ON j.id = a.job_id,
     LATERAL (SELECT a.id, a.candidate_id, a.job_id,
                     CASE WHEN j.id IS NOT NULL THEN (SELECT row_to_json(job) FROM (SELECT j.title, j.company, j.url) AS job)
                     END AS job,
                     {", ".join(utc_text(f"a.{name}") + f" AS {name}" if name in _TIMES else f"a.{name}"
                                for name in APPLICATION_COLUMNS[3:])}) AS shown
"""
# One application, its job, how it was sent, the candidate's wrapped key (which opens the sealed
# columns of the submission and the timeline) and its timeline as one array per column (null:
# no entries), in one round trip.
APPLICATION_SQL = f"""
SELECT {", ".join(f"a.{name}" for name in APPLICATION_COLUMNS)}, j.id IS NOT NULL, j.title, j.company, j.url,
       s.application_id IS NOT NULL, {", ".join(f"s.{name}" for name in SUBMISSION_COLUMNS)}, k.kek_id, k.wrapped_key,
       {", ".join(f't."{name}"' for name in TIMELINE_COLUMNS)}
FROM jobraker_applications AS a LEFT JOIN jobraker_jobs AS j ON j.id = a.job_id
     LEFT JOIN {SubmissionRecord._meta.db_table} AS s ON s.application_id = a.id
     LEFT JOIN {KEYS} AS k ON k.subject_id = a.candidate_id
     LEFT JOIN LATERAL (
         SELECT {", ".join(f'array_agg(e."{name}" ORDER BY e.version) AS "{name}"' for name in TIMELINE_COLUMNS)}
         FROM jobraker_timeline AS e WHERE e.aggregate_id = a.id
     ) AS t ON true
WHERE a.id = %s
"""
_SHOWN_AT = len(APPLICATION_COLUMNS)
_SUBMISSION_AT = _SHOWN_AT + 1 + len(JOB_SHOWN)
_KEY_AT = _SUBMISSION_AT + 1 + len(SUBMISSION_COLUMNS)
_TIMELINE_AT = _KEY_AT + 2


class ApplicationPage:
    """The applications a reader may see, as DRF's cursor paginator reads them: it orders, filters
    on the position and slices, and only that. The rows are the API's JSON text; the paginator
    takes the next page's position from their ``created_at`` text, which reads back as the same
    instant."""

    model = ApplicationRecord  # the paginator checks a cursor's position against its field

    def __init__(self, where: list[str], params: list[Any], newest_first: bool = True) -> None:
        self.where, self.params, self.newest_first = where, params, newest_first

    @classmethod
    def of(cls, candidate_id: UUID | None, query: dict[str, Any]) -> ApplicationPage:
        """``candidate_id``'s applications (None: everyone's, for staff and auditors), narrowed by
        the list's validated query: status, company (contains, any case), created after/before."""
        where, params = ([], []) if candidate_id is None else (["a.candidate_id = %s"], [candidate_id])
        if "status" in query:
            where.append("a.status = %s")
            params.append(query["status"])
        if "company" in query:  # as the ORM's icontains writes it, so the two read alike
            where.append("a.job_id IN (SELECT id FROM jobraker_jobs WHERE UPPER(company::text) LIKE UPPER(%s))")
            params.append(f"%{connection.ops.prep_for_like_query(query['company'])}%")
        if "created_after" in query:
            where.append("a.created_at >= %s")
            params.append(query["created_after"])
        if "created_before" in query:
            where.append("a.created_at < %s")
            params.append(query["created_before"])
        return cls(where, params)

    def order_by(self, *ordering: str) -> ApplicationPage:
        if ordering not in (("-created_at", "-id"), ("created_at", "id")):
            raise ValueError(f"applications are read by creation only, not {ordering}")
        return ApplicationPage(self.where, self.params, newest_first=ordering[0].startswith("-"))

    def filter(self, **position: str) -> ApplicationPage:
        ((lookup, value),) = position.items()
        operator = {"created_at__lt": "<", "created_at__gt": ">"}[lookup]
        at = ApplicationRecord._meta.get_field("created_at").to_python(value)
        at = at if timezone.is_aware(at) else timezone.make_aware(at)
        return ApplicationPage([*self.where, f"a.created_at {operator} %s"], [*self.params, at], self.newest_first)

    def __getitem__(self, rows: slice) -> list[RenderedApplication]:
        direction = "DESC" if self.newest_first else "ASC"
        where = " AND ".join(self.where) or "TRUE"
        sql = f"{APPLICATION_PAGE_SQL} WHERE {where} ORDER BY a.created_at {direction}, a.id {direction} LIMIT %s OFFSET %s"
        with prepared_cursor() as cursor:
            cursor.execute(sql, [*self.params, rows.stop - rows.start, rows.start])
            return [RenderedApplication(created_at, javascript_safe(text)) for created_at, text in cursor.fetchall()]


class RenderedApplication(NamedTuple):
    """A row of the list: the API's JSON text, and its creation time as written there (where
    the paginator reads a page's position)."""

    created_at: str
    json: str


def application_json(row: tuple[Any, ...], zone: tzinfo) -> dict[str, Any]:
    """A row that starts with ``APPLICATION_SQL``'s columns: the application, then whether it has
    a job row and what it shows of it."""
    (id_, candidate_id, job_id, source, status, score, notes, created_at, updated_at, submitted_at, skip_reason,
     version, has_job, *shown) = row[:_SUBMISSION_AT]
    return {
        "id": str(id_), "candidate_id": str(candidate_id), "job_id": str(job_id),
        "job": dict(zip(JOB_SHOWN, shown)) if has_job else None,
        "source": source, "status": status, "score": score, "notes": notes,
        "created_at": when(created_at, zone), "updated_at": when(updated_at, zone),
        "submitted_at": when(submitted_at, zone), "skip_reason": skip_reason, "version": version,
    }


def application_detail(application_id: UUID, candidate_id: UUID | None) -> dict[str, Any] | None:
    """The application with its timeline and submission; None if there is none, or it is not
    ``candidate_id``'s (None: anyone's, for staff and auditors)."""
    with prepared_cursor(binary=True) as cursor:
        cursor.execute(APPLICATION_SQL, [application_id])
        row = cursor.fetchone()
    if row is None or (candidate_id is not None and row[1] != candidate_id):
        return None
    learn_key(row[1], *row[_KEY_AT:_TIMELINE_AT])
    entries = list(zip(*(column or [] for column in row[_TIMELINE_AT:]), strict=True))
    zone = timezone.get_current_timezone()
    return {**application_json(row, zone), "timeline": timeline_json(entries, zone),
            "submission": submission_json(row[_SUBMISSION_AT:_KEY_AT])}


def timeline_json(entries: list[tuple[Any, ...]], zone: tzinfo) -> list[dict[str, Any]]:
    detail = TimelineEntry._meta.get_field("detail")
    return [{"version": version, "kind": kind, "action": action, "status": status, "by": by, "at": when(at, zone),
             "detail": detail.from_db_value(sealed, None, connection)}
            for version, kind, action, status, by, at, sealed in entries]


def submission_json(row: tuple[Any, ...]) -> dict[str, Any] | None:
    """``row``: whether there is a submission, then ``SUBMISSION_COLUMNS``."""
    if not row[0]:
        return None
    fields = dict(zip(SUBMISSION_COLUMNS, row[1:]))
    for name in ("reason", "recording_url", "screenshot_urls", "app_url"):  # sealed under the candidate's key
        fields[name] = SubmissionRecord._meta.get_field(name).from_db_value(fields[name], None, connection)
    return {"applier": fields["applier"], "sandbox": fields["applier"] == "sandbox", **fields}
