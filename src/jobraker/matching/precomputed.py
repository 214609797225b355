"""Each candidate's best jobs, computed ahead of the request (issue 15, item 4).

The ``match_marks`` projection only records who is out of date (``MatchMark``: a candidate
whose wishes, resume, strategy or applications changed; a listing posted, changed or
expired). The worker (``refresh_matches``) drains those marks once the read models and the
vectors have the events that made them:

- a marked candidate is ranked anew over every job (``Seeker.rank`` after the hard filters),
  keeping the best ``KEPT`` with score and sealed explanation, and how many jobs each filter
  removed (``MatchSummary``);
- a marked listing is scored for every computed candidate on its own: it leaves their list
  (expired, changed, filtered out) or enters it when it beats their weakest kept match, and
  the filter counts move by one job (a changed listing recounts, as the old verdict is gone).

This is exact while a job's score depends only on the job and the candidate, as it does in
``matching/scoring.py`` (``tests/integration/test_precomputed_matches.py`` compares it with a ranking on
the fly after every kind of update, so a pool-relative score would show there first).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q, QuerySet

from jobraker.embeddings.providers import EmbeddingProvider
from jobraker.matching.filters import FILTERS, Wants, apply_filters
from jobraker.matching.scoring import Match
from jobraker.matching.service import CandidateErased, Seeker
from jobraker.privacy.keystore import KEYS
from jobraker.privacy.sealed_fields import for_subject, learn_key
from jobraker.projections.json_format import match_json, render_json
from jobraker.projections.models import (
    ApplicationRecord,
    CandidateMatch,
    CandidateRecord,
    JobRecord,
    JobVector,
    MatchMark,
    MatchSummary,
)
from jobraker.projections.prepared import prepared_cursor

log = structlog.get_logger(__name__)

KEPT = 200  # matches kept per candidate: the API serves at most 100
PAGE_SIZE = 25  # matches pre-rendered per candidate: the API's default page of 20, and a few to spare
# The read models a mark waits for: the rows the ranking reads and the vectors it compares.
DEPENDS_ON = ("candidates", "jobs", "applications", "vectors", "match_marks")
JOBS_PER_PASS = 500  # listings scored per candidate in one pass
DRAIN_SECONDS = 60.0  # one worker message's share: the scheduler sends the next within seconds


def forget(candidate_id: UUID) -> None:
    """Drop everything precomputed for a candidate (erasure, deactivation, gone)."""
    CandidateMatch.objects.filter(candidate_id=candidate_id).delete()
    MatchSummary.objects.filter(candidate_id=candidate_id).delete()
    MatchMark.objects.filter(candidate_id=candidate_id).delete()


# --- one candidate ------------------------------------------------------------------------------


def refresh_candidate(candidate_id: UUID, provider: EmbeddingProvider) -> bool:
    """Rank every job for the candidate anew; False (and nothing kept) when they are gone."""
    seeker = _seeker(candidate_id)
    if seeker is None:
        forget(candidate_id)
        return False
    best, removed, counted_through = _rank_all(seeker, provider)
    with transaction.atomic():
        if not _still_there(candidate_id):
            return False
        CandidateMatch.objects.filter(candidate_id=candidate_id).delete()
        CandidateMatch.objects.bulk_create([_row(candidate_id, match, provider.model) for match in best])
        MatchSummary.objects.update_or_create(candidate_id=candidate_id, defaults={
            "model": provider.model, "removed_by_filter": removed, "counted_through": counted_through,
            "computed_at": datetime.now(UTC),
        })
        render_page(candidate_id)
    return True


def _rank_all(seeker: Seeker, provider: EmbeddingProvider) -> tuple[list[Match], dict[str, int], int]:
    """The best KEPT jobs and the filter counts, read in one snapshot, so that ``counted_through``
    says exactly which listing events both include (later ones are applied by their marks)."""
    outermost = not connection.in_atomic_block  # (only the first statement of a transaction may set it)
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        jobs, _ = apply_filters(JobRecord.objects.all(), seeker.wants, count=False)
        best = seeker.rank(jobs, provider)[:KEPT]
        removed, counted_through = count_removed(seeker.wants)
    return best, removed, counted_through


def _seeker(candidate_id: UUID) -> Seeker | None:
    if not CandidateRecord.objects.filter(id=candidate_id, is_active=True).exists():
        return None
    try:
        return Seeker.load(candidate_id)
    except (CandidateErased, CandidateRecord.DoesNotExist):
        return None


def _still_there(candidate_id: UUID) -> bool:
    """Checked in the writing transaction, the candidate's row locked: an erasure that deleted it
    meanwhile must not get rows back (the leftovers sweep is the last guard)."""
    return CandidateRecord.objects.select_for_update().filter(id=candidate_id, is_active=True).exists()


def _row(candidate_id: UUID, match: Match, model: str) -> CandidateMatch:
    return CandidateMatch(candidate_id=candidate_id, job_id=match.job.id, score=match.score,
                          tiebreak=float(getattr(match, "similarity", 0.0) or 0.0),
                          explanation=match.explanation(model))


# --- the pre-rendered page ------------------------------------------------------------------------


def _in_order(candidate_id: UUID) -> QuerySet[CandidateMatch]:
    """The candidate's kept matches in the API's order, less the jobs they applied to since."""
    applied = ApplicationRecord.objects.filter(candidate_id=candidate_id, job_id=OuterRef("job_id"))
    return (CandidateMatch.objects.filter(candidate_id=candidate_id).alias(applied=Exists(applied))
            .filter(applied=False).order_by("-score", "-tiebreak", "job_id"))


def render_page(candidate_id: UUID) -> None:
    """Write the first PAGE_SIZE matches as the API shows them, in the transaction that wrote the
    rows: a matches request then reads and opens one value instead of building twenty jobs."""
    rows = list(_in_order(candidate_id).select_related("job")[:PAGE_SIZE + 1])
    shown = [row for row in rows[:PAGE_SIZE] if row.job is not None]  # a listing's row not there (yet)
    lines = [render_json(match_json(row.job, row.score, row.explanation)) for row in shown]
    MatchSummary.objects.filter(candidate_id=candidate_id).update(
        page=for_subject(candidate_id, "\n".join(lines)),  # JSON text holds no raw newline
        page_jobs=[row.job_id for row in shown], page_complete=len(rows) <= PAGE_SIZE)


def _page_outdated(summary: MatchSummary, listings: list[UUID]) -> bool:
    """The page shows one of these listings, or is no longer the first matches in order."""
    if summary.page is None or set(listings) & set(summary.page_jobs):
        return True
    first = list(_in_order(summary.candidate_id).values_list("job_id", flat=True)[:PAGE_SIZE + 1])
    return first[:PAGE_SIZE] != summary.page_jobs or (len(first) <= PAGE_SIZE) != summary.page_complete


# --- filter verdicts ------------------------------------------------------------------------------


def _flags(wants: Wants, skip: Iterable[str] = ()) -> tuple[list[str], dict[str, ExpressionWrapper]]:
    """Each active filter as a boolean column (an empty condition keeps every job: left out)."""
    active = [(name, keep(wants)) for name, keep in FILTERS if name not in set(skip)]
    active = [(name, condition) for name, condition in active if condition]
    names = [name for name, _ in active]
    return names, {f"keep_{i}": ExpressionWrapper(c, output_field=BooleanField()) for i, (_, c) in enumerate(active)}


def _first_failed(names: list[str], row: dict[str, Any]) -> str | None:
    # NULL fails, as it does in the WHERE clause apply_filters builds.
    return next((name for i, name in enumerate(names) if not row[f"keep_{i}"]), None)


def count_removed(wants: Wants) -> tuple[dict[str, int], int]:
    """How many listings each filter removes (the first that fails a job counts it), and the
    newest listing event those counts include: one scan, one snapshot."""
    names, flags = _flags(wants)
    removed = {name: 0 for name, _ in FILTERS}
    counted_through = 0
    if not flags:
        return removed, JobRecord.objects.aggregate(top=Max("position"))["top"] or 0
    groups = JobRecord.objects.annotate(**flags).values(*flags).annotate(jobs=Count("pk"), top=Max("position")).order_by()
    for group in groups:
        counted_through = max(counted_through, group["top"] or 0)
        failed = _first_failed(names, group)
        if failed:
            removed[failed] += group["jobs"]
    return removed, counted_through


def verdicts(job_ids: Iterable[UUID], wants: Wants, skip: Iterable[str] = ()) -> dict[UUID, str | None]:
    """The first filter that removes each of these listings for the candidate (None: kept)."""
    names, flags = _flags(wants, skip)
    rows = JobRecord.objects.filter(id__in=list(job_ids))
    if not flags:
        return {job_id: None for job_id in rows.values_list("id", flat=True)}
    return {row["id"]: _first_failed(names, row) for row in rows.annotate(**flags).values("id", *flags)}


# --- listings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingMark:
    """What happened to one listing since its matches were last brought up to date."""

    job_id: UUID
    position: int  # its newest event
    posted_position: int | None  # its Posted event, when that is among them
    changed_position: int | None
    expired_position: int | None


def refresh_listings(marks: list[ListingMark], provider: EmbeddingProvider) -> None:
    """Bring every computed candidate's matches and counts up to date with these listings. Rows are
    scored anew whatever a full ranking saw (idempotent: a listing ranked before its vector was
    written gets its similarity now); counts move only for events newer than the candidate's
    ``counted_through``, which only a full count moves, so a mark applied late is never lost."""
    listed = set(JobRecord.objects.filter(id__in=[m.job_id for m in marks]).values_list("id", flat=True))
    # A mark for something that is no listing (a tracked job; a row gone): it leaves every list.
    CandidateMatch.objects.filter(job_id__in=[m.job_id for m in marks if m.job_id not in listed]).delete()
    marks = _with_reopened_duplicates([m for m in marks if m.job_id in listed])
    if not marks:
        return
    for candidate_id, counted_through in MatchSummary.objects.values_list("candidate_id", "counted_through"):
        _listings_for(candidate_id, counted_through, marks, provider)


def _with_reopened_duplicates(marks: list[ListingMark]) -> list[ListingMark]:
    """A listing that expired lets its duplicates back into the lists (the "expired" filter keeps
    one open listing per job): each is scored and counted again as if it had changed then."""
    expired = {m.job_id: m.expired_position for m in marks if m.expired_position}
    marked = {m.job_id for m in marks}
    duplicates = JobRecord.objects.filter(duplicate_of__in=list(expired)).exclude(id__in=marked)
    return marks + [ListingMark(job_id, expired[canonical], None, expired[canonical], None)
                    for job_id, canonical in duplicates.values_list("id", "duplicate_of")]


def _listings_for(candidate_id: UUID, counted_through: int, marks: list[ListingMark], provider: EmbeddingProvider) -> None:
    seeker = _seeker(candidate_id)
    if seeker is None:
        forget(candidate_id)
        return
    ids = [m.job_id for m in marks]
    now = verdicts(ids, seeker.wants)
    kept = [job_id for job_id in ids if now.get(job_id) is None]
    scored = seeker.rank(JobRecord.objects.filter(id__in=kept), provider) if kept else []
    delta, recount = _count_changes(marks, counted_through, now, seeker.wants)
    with transaction.atomic():
        if not _still_there(candidate_id):
            return
        CandidateMatch.objects.filter(candidate_id=candidate_id, job_id__in=ids).delete()
        _admit(candidate_id, scored, provider.model)
        summary = MatchSummary.objects.select_for_update().get(candidate_id=candidate_id)
        if recount:
            summary.removed_by_filter, summary.counted_through = count_removed(seeker.wants)
        else:
            for name, change in delta.items():
                summary.removed_by_filter[name] = summary.removed_by_filter.get(name, 0) + change
        summary.computed_at = datetime.now(UTC)
        summary.save(update_fields=["removed_by_filter", "counted_through", "computed_at"])
        if _page_outdated(summary, ids):
            render_page(candidate_id)


def _admit(candidate_id: UUID, scored: list[Match], model: str) -> None:
    """Keep the new listings that beat the weakest kept match (or fill a short list), then trim
    back to KEPT in the ranking's order."""
    if not scored:
        return
    CandidateMatch.objects.bulk_create([_row(candidate_id, match, model) for match in scored])
    kept = CandidateMatch.objects.filter(candidate_id=candidate_id)
    surplus = kept.order_by("-score", "-tiebreak", "job_id").values_list("id", flat=True)[KEPT:]
    CandidateMatch.objects.filter(id__in=list(surplus)).delete()


def _count_changes(marks: list[ListingMark], counted_through: int, now: dict[UUID, str | None],
                   wants: Wants) -> tuple[dict[str, int], bool]:
    """How the filter counts move: a listing new to the counts adds one to the filter that removes
    it; one that expired since moves from its earlier verdict to "expired". A listing changed
    since the counts were taken needs a recount (its earlier verdict is not known)."""
    if any((m.changed_position or 0) > counted_through and (m.posted_position or 0) <= counted_through for m in marks):
        return {}, True
    delta: dict[str, int] = {}
    expired_since = [m.job_id for m in marks if (m.posted_position or 0) <= counted_through
                     and (m.expired_position or 0) > counted_through]
    before = verdicts(expired_since, wants, skip=["expired"]) if expired_since else {}
    for mark in marks:
        if (mark.posted_position or 0) > counted_through:  # not counted yet: counted as it is now
            if now.get(mark.job_id):
                delta[now[mark.job_id]] = delta.get(now[mark.job_id], 0) + 1
        elif mark.job_id in before:
            if before[mark.job_id]:
                delta[before[mark.job_id]] = delta.get(before[mark.job_id], 0) - 1
            delta["expired"] = delta.get("expired", 0) + 1
    return delta, False


# --- draining the marks ---------------------------------------------------------------------------


def ready_position() -> int:
    from jobraker.projections.positions import slowest_position

    return slowest_position(list(DEPENDS_ON))


def drain(provider: EmbeddingProvider, budget_seconds: float = DRAIN_SECONDS) -> dict[str, int]:
    """Apply the marks the read models are ready for, candidates first (someone is waiting for
    their own change), for about ``budget_seconds``; returns how many of each were done and how
    many wait (a listing whose vector is not written yet waits for it; the rest, the next run)."""
    deadline = time.monotonic() + budget_seconds
    ready = ready_position()
    done = {"candidates": 0, "listings": 0, "waiting": 0}
    for candidate_id, position in _candidate_marks(ready, provider.model):
        if time.monotonic() > deadline:
            break
        refresh_candidate(candidate_id, provider)
        if position is not None:
            _clear(Q(candidate_id=candidate_id), position)
        done["candidates"] += 1
    while time.monotonic() <= deadline:
        batch = _listing_marks(ready)
        if not batch:
            break
        refresh_listings(batch, provider)
        for mark in batch:
            _clear(Q(job_id=mark.job_id), mark.position)
        done["listings"] += len(batch)
    done["waiting"] = MatchMark.objects.filter(position__gt=ready).count() + _without_vector().count()
    return done


def _candidate_marks(ready: int, model: str) -> list[tuple[UUID, int | None]]:
    """Marked candidates, and those computed with another embedding model (a switch of models
    ranks everyone anew; no mark to clear) or before pages were rendered."""
    marked = list(MatchMark.objects.filter(candidate_id__isnull=False, position__lte=ready)
                  .order_by("position").values_list("candidate_id", "position"))
    marked_ids = {candidate_id for candidate_id, _ in marked}
    other_model = MatchSummary.objects.filter(~Q(model=model) | Q(page__isnull=True)).values_list("candidate_id", flat=True)
    return marked + [(candidate_id, None) for candidate_id in other_model if candidate_id not in marked_ids]


def _without_vector():  # type: ignore[no-untyped-def]
    return MatchMark.objects.filter(job_id__isnull=False, job_id__in=JobRecord.objects.values("id")).exclude(
        job_id__in=JobVector.objects.values("job_id"))


def _listing_marks(ready: int) -> list[ListingMark]:
    waiting = _without_vector().values("job_id")
    rows = (MatchMark.objects.filter(job_id__isnull=False, position__lte=ready).exclude(job_id__in=waiting)
            .order_by("position")[:JOBS_PER_PASS])
    return [ListingMark(r.job_id, r.position, r.posted_position, r.changed_position, r.expired_position) for r in rows]


def _clear(which: Q, position: int) -> None:
    """Remove a mark unless a newer event marked it again meanwhile."""
    MatchMark.objects.filter(which, position=position).delete()


# --- reading (the API) -----------------------------------------------------------------------------


@dataclass
class Summary:
    """What a precomputed read shows beside the matches."""

    model: str
    removed_by_filter: dict[str, int]
    computed_at: datetime


@dataclass
class Stored(Summary):
    """A candidate's precomputed matches as the API shows them."""

    results: list[tuple[JobRecord, int, dict[str, Any]]]  # job, score, explanation


# The summary's columns both reads start with: a mark pending for the candidate's own change, and
# their wrapped key (which opens the sealed explanations or page); the counts as text, as a JSON
# field reads them (a binary read would hand them parsed).
SUMMARY_COLUMNS = """s.model, s.removed_by_filter::text, s.computed_at,
       EXISTS (SELECT 1 FROM jobraker_match_marks k WHERE k.candidate_id = s.candidate_id AND k.wishes_changed),
       sk.kek_id, sk.wrapped_key"""
SUMMARY_FROM = f"jobraker_match_summaries s LEFT JOIN {KEYS} sk ON sk.subject_id = s.candidate_id"
_AFTER_SUMMARY = 6


def _trusted_summary(candidate_id: UUID, row: tuple[Any, ...] | None, model: str) -> Summary | None:
    """The summary at the start of ``row``, None when its matches are not to be trusted: never
    computed, computed with another model, or the candidate changed something not yet ranked
    (their own change must show at once, so the caller ranks on the fly then)."""
    if row is None or row[0] != model or row[3]:
        return None
    summary_model, removed, computed_at, _, kek_id, wrapped = row[:_AFTER_SUMMARY]
    learn_key(candidate_id, kek_id, wrapped)
    removed_field = MatchSummary._meta.get_field("removed_by_filter")
    return Summary(summary_model, removed_field.from_db_value(removed, None, connection), computed_at)


# Read columns of a listing (its search vector is only for full-text search).
_JOB_COLUMNS = [f.column for f in JobRecord._meta.concrete_fields if f.name != "search"]
_JOB_ATTNAMES = [f.attname for f in JobRecord._meta.concrete_fields if f.name != "search"]

# One statement, written out rather than built by the ORM: building and compiling the equivalent
# queryset (subqueries, a join, a 30-column select) cost more than running it on every request.
# The summary row comes with the page (a candidate never computed has none: no rows at all), and
# a job applied to since the ranking is left out at once.
STORED_MATCHES_SQL = f"""
SELECT {SUMMARY_COLUMNS}, m.score, m.explanation, {", ".join(f"j.{c}" for c in _JOB_COLUMNS)}
FROM {SUMMARY_FROM}
LEFT JOIN LATERAL (
    SELECT c.job_id, c.score, c.tiebreak, c.explanation FROM jobraker_candidate_matches c
    WHERE c.candidate_id = s.candidate_id
      AND NOT EXISTS (SELECT 1 FROM jobraker_applications a WHERE a.candidate_id = s.candidate_id AND a.job_id = c.job_id)
    ORDER BY c.score DESC, c.tiebreak DESC, c.job_id
    LIMIT %(limit)s
) m ON true
LEFT JOIN jobraker_jobs j ON j.id = m.job_id
WHERE s.candidate_id = %(candidate)s
ORDER BY m.score DESC, m.tiebreak DESC, m.job_id
"""


def stored_matches(candidate_id: UUID, model: str, limit: int) -> Stored | None:
    """The best ``limit`` kept matches by index, with their jobs and the candidate's summary in one
    query; None while there are none to trust (``_trusted_summary``). A job they applied to since
    is left out at once; the worker's next ranking refills the list."""
    with prepared_cursor() as cursor:
        cursor.execute(STORED_MATCHES_SQL, {"candidate": candidate_id, "limit": limit})
        rows = cursor.fetchall()
    summary = _trusted_summary(candidate_id, rows[0] if rows else None, model)
    if summary is None:
        return None
    explanation_field = CandidateMatch._meta.get_field("explanation")
    job_at = _AFTER_SUMMARY + 2
    results = [
        (JobRecord.from_db(connection.alias, _JOB_ATTNAMES, row[job_at:]), row[_AFTER_SUMMARY],
         explanation_field.from_db_value(row[_AFTER_SUMMARY + 1], None, connection))
        for row in rows if row[job_at] is not None  # no kept match, or its listing's row not there (yet)
    ]
    return Stored(summary.model, summary.removed_by_filter, summary.computed_at, results)


@dataclass
class RenderedPage(Summary):
    """A candidate's first precomputed matches as the API's JSON text, one match per line."""

    lines: list[str]


# The summary with its page and which of the page's jobs the candidate applied to since it was
# rendered (left out at once, as ``stored_matches`` leaves them out).
STORED_PAGE_SQL = f"""
SELECT {SUMMARY_COLUMNS}, s.page, s.page_jobs, s.page_complete,
       ARRAY(SELECT a.job_id FROM jobraker_applications a
             WHERE a.candidate_id = s.candidate_id AND a.job_id = ANY(s.page_jobs))
FROM {SUMMARY_FROM}
WHERE s.candidate_id = %s
"""


def stored_page(candidate_id: UUID, model: str, limit: int) -> RenderedPage | None:
    """The best ``limit`` matches from the pre-rendered page, in one query; None when the page
    cannot answer: when ``stored_matches`` would not trust the rows, before a page is rendered,
    and when it holds fewer than ``limit`` after the jobs applied to since while more are kept
    (``stored_matches`` reads those rows)."""
    with prepared_cursor(binary=True) as cursor:
        cursor.execute(STORED_PAGE_SQL, [candidate_id])
        row = cursor.fetchone()
    summary = _trusted_summary(candidate_id, row, model)
    if summary is None or row is None:
        return None
    page, page_jobs, complete, applied = row[_AFTER_SUMMARY:]
    text = MatchSummary._meta.get_field("page").from_db_value(page, None, connection)
    if text is None:  # not rendered yet, or erased meanwhile
        return None
    gone = set(applied)
    lines = [line for line, job_id in zip(text.split("\n") if text else [], page_jobs, strict=True)
             if job_id not in gone]
    if len(lines) < limit and not complete:
        return None
    return RenderedPage(summary.model, summary.removed_by_filter, summary.computed_at, lines[:limit])


# --- marking (the projection; and whoever writes vectors) ------------------------------------------


CANDIDATE_MARK_SQL = """
INSERT INTO jobraker_match_marks (candidate_id, position, wishes_changed, marked_at) VALUES (%s, %s, %s, now())
ON CONFLICT (candidate_id) DO UPDATE SET
    position = GREATEST(jobraker_match_marks.position, EXCLUDED.position),
    wishes_changed = jobraker_match_marks.wishes_changed OR EXCLUDED.wishes_changed,
    marked_at = now()
"""


def mark_candidate(candidate_id: UUID, position: int, wishes: bool = True) -> None:
    """``wishes``: what they offer or want changed (False: an application of theirs started)."""
    with connection.cursor() as cursor:
        cursor.execute(CANDIDATE_MARK_SQL, [candidate_id, position, wishes])


LISTING_MARK_SQL = """
INSERT INTO jobraker_match_marks (job_id, position, posted_position, changed_position, expired_position, marked_at)
VALUES (%s, %s, %s, %s, %s, now())
ON CONFLICT (job_id) DO UPDATE SET
    position = GREATEST(jobraker_match_marks.position, EXCLUDED.position),
    posted_position = COALESCE(jobraker_match_marks.posted_position, EXCLUDED.posted_position),
    changed_position = GREATEST(jobraker_match_marks.changed_position, EXCLUDED.changed_position),
    expired_position = GREATEST(jobraker_match_marks.expired_position, EXCLUDED.expired_position),
    marked_at = now()
"""


def mark_listing(job_id: UUID, position: int, kind: str) -> None:
    """``kind``: posted, changed, expired (or "vector" when only its vector was written anew)."""
    with connection.cursor() as cursor:
        cursor.execute(LISTING_MARK_SQL, [job_id, position, position if kind == "posted" else None,
                                          position if kind == "changed" else None,
                                          position if kind == "expired" else None])
