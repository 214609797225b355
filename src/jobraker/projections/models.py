from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from pgvector.django import HnswIndex, VectorField

from jobraker.embeddings.providers import DIMENSIONS
from jobraker.privacy.sealed_fields import SealedBinaryTextField, SealedJSONField, SealedTextField


class ProjectionPosition(models.Model):
    """How far a projection (or the relay) has read the event log: a notification id."""

    name = models.CharField(max_length=64, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # While the projection fails on one event: which, how often, why, and when it tries again.
    # (Database defaults too: raw INSERTs, such as the benchmark's, name only name and position.)
    failing_notification_id = models.BigIntegerField(null=True)
    failed_attempts = models.PositiveIntegerField(default=0, db_default=0)
    last_error = models.CharField(max_length=500, blank=True, default="", db_default="")
    retry_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_projection_positions"

    def forget_failure(self) -> list[str]:
        """Clear the failure state; returns the fields to save."""
        self.failing_notification_id, self.failed_attempts, self.last_error, self.retry_at = None, 0, "", None
        return ["failing_notification_id", "failed_attempts", "last_error", "retry_at"]


class ParkedEvent(models.Model):
    """An event a projection failed on too often and went past. Only the event's address and the
    error's shape are kept, never the event's state: the log still has it, sealed."""

    projection = models.CharField(max_length=64)
    notification_id = models.BigIntegerField()
    topic = models.CharField(max_length=255)
    originator_id = models.UUIDField()
    originator_version = models.PositiveIntegerField()
    error_class = models.CharField(max_length=200)
    error_message = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField()
    parked_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_parked_events"
        ordering = ["projection", "notification_id"]
        constraints = [
            models.UniqueConstraint(fields=["projection", "notification_id"], name="parked_once_per_projection")
        ]
        indexes = [models.Index(fields=["projection"], condition=models.Q(resolved_at__isnull=True), name="parked_open")]


class CandidateRecord(models.Model):
    """A candidate as the API shows them to themselves (and to staff). Dropped on erasure."""

    id = models.UUIDField(primary_key=True)
    # Sealed under the candidate's key (privacy/sealed_fields.py); login finds accounts by blind index.
    email = SealedTextField(null=True, subject_field="id")
    name = SealedTextField(subject_field="id")
    registered_at = models.DateTimeField()
    address_verified = models.BooleanField(default=False)
    # Sealed under the candidate's key (privacy/sealed_fields.py); auto_apply holds settings only.
    profile = SealedJSONField(default=dict, subject_field="id")
    preferences = SealedJSONField(default=dict, subject_field="id")
    consents = SealedJSONField(default=dict, subject_field="id")
    auto_apply = models.JSONField(default=dict)
    resume = SealedJSONField(null=True, subject_field="id")
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField()
    position = models.BigIntegerField()

    class Meta:
        db_table = "jobraker_candidates"
        ordering = ["registered_at"]


class ListingManager(models.Manager["JobRecord"]):
    """Listings only: a candidate's tracked job is never one. The default manager, so every
    read that does not ask for tracked jobs by name (search, matching, alerts, the assistant,
    the admin) leaves them out."""

    def get_queryset(self) -> models.QuerySet["JobRecord"]:
        return super().get_queryset().filter(owner_id__isnull=True)


class JobRecord(models.Model):
    """A listing, or a candidate's tracked job (``owner_id`` set): visible only to its owner,
    through ``JobRecord.with_tracked``, and dropped when the owner is erased."""

    objects = ListingManager()
    with_tracked = models.Manager()

    id = models.UUIDField(primary_key=True)
    owner_id = models.UUIDField(null=True, db_index=True)
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)
    title = models.CharField(max_length=300)
    company = models.CharField(max_length=300)
    location = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=8, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    salary_min = models.FloatField(null=True)
    salary_max = models.FloatField(null=True)
    salary_currency = models.CharField(max_length=3, blank=True)
    salary_is_predicted = models.BooleanField(default=False)
    contract_type = models.CharField(max_length=16, blank=True)
    contract_time = models.CharField(max_length=16, blank=True)
    remote = models.BooleanField(default=False)
    posted_at = models.DateTimeField(null=True)
    is_expired = models.BooleanField(default=False)
    duplicate_of = models.UUIDField(null=True, blank=True, db_index=True)  # another listing of the same job
    # The source's place hierarchy (Adzuna's location.area: country › region › county › town) and
    # coordinates, as posted; ``places`` the keys matching compares (matching/places.py).
    location_area = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    places = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    # Remote, hybrid, onsite or "" (not said), read from title, location and description, and
    # the words that said so (matching/remote.py).
    work_mode = models.CharField(max_length=8, blank=True, default="")
    work_mode_evidence = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    search = SearchVectorField(null=True)
    version = models.PositiveIntegerField()
    position = models.BigIntegerField()

    class Meta:
        db_table = "jobraker_jobs"
        indexes = [GinIndex(fields=["search"]), models.Index(fields=["-posted_at", "id"]),
                   GinIndex(fields=["places"], name="jobraker_jobs_places")]


class ApplicationRecord(models.Model):
    id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    job_id = models.UUIDField()
    source = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    score = models.PositiveSmallIntegerField(null=True)
    notes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True)
    # Why Jobraker is not sending this match: a code of domain.policy.SKIP_REASONS ("" when it is, or never would).
    skip_reason = models.CharField(max_length=32, blank=True, default="")
    version = models.PositiveIntegerField()
    position = models.BigIntegerField()

    class Meta:
        db_table = "jobraker_applications"
        indexes = [models.Index(fields=["candidate_id", "status"]), models.Index(fields=["-created_at", "id"]),
                   # a candidate's pipeline page, newest first, read in index order
                   models.Index(fields=["candidate_id", "-created_at", "-id"], name="application_page")]


class TimelineEntry(models.Model):
    """One event of an application, as its timeline shows it. Dropped on erasure."""

    aggregate_id = models.UUIDField()
    version = models.PositiveIntegerField()
    candidate_id = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=64)
    action = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, blank=True)
    by = models.CharField(max_length=16)
    at = models.DateTimeField()
    detail = SealedJSONField(default=dict)  # notes, reasons, explanations: sealed under the candidate's key

    class Meta:
        db_table = "jobraker_timeline"
        ordering = ["aggregate_id", "version"]
        constraints = [models.UniqueConstraint(fields=["aggregate_id", "version"], name="timeline_once_per_event")]


class JobVector(models.Model):
    """A job's text and its embedding (HNSW index, cosine)."""

    job_id = models.UUIDField(primary_key=True)
    fields = models.JSONField(default=dict)
    model = models.CharField(max_length=100)
    embedding = VectorField(dimensions=DIMENSIONS)

    class Meta:
        db_table = "jobraker_job_vectors"
        indexes = [
            HnswIndex(name="job_vector_hnsw", fields=["embedding"], m=16, ef_construction=64, opclasses=["vector_cosine_ops"])
        ]


class CandidateVector(models.Model):
    """A candidate's embedding (of what they offer and want). No text: the projection reads the
    profile, preferences and resume from the event store when one changes. Dropped on erasure."""

    candidate_id = models.UUIDField(primary_key=True)
    model = models.CharField(max_length=100, blank=True)
    embedding = VectorField(dimensions=DIMENSIONS, null=True)

    class Meta:
        db_table = "jobraker_candidate_vectors"


class NotificationRecord(models.Model):
    """A candidate's notification, as listed and as the live stream sends it: the stream resumes
    from ``position`` (the Sent event's place in the log), which only ever grows."""

    id = models.UUIDField(primary_key=True)
    position = models.BigIntegerField(unique=True, null=True)  # null only on rows from before it was kept
    candidate_id = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=40)
    message = SealedTextField()  # sealed under the candidate's key (privacy/sealed_fields.py)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True)
    version = models.PositiveIntegerField()

    class Meta:
        db_table = "jobraker_notifications"
        indexes = [
            models.Index(fields=["candidate_id", "-created_at"]),
            models.Index(fields=["candidate_id", "position"], name="notifications_stream"),
            models.Index(fields=["candidate_id", "kind", "-position"], name="notifications_by_kind"),
        ]


class FunnelEntry(models.Model):
    """One application's way through the funnel: when it reached each stage (ids, names and
    times only; no personal text). Dropped on erasure."""

    application_id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    job_id = models.UUIDField()
    strategy = models.CharField(max_length=32, blank=True)  # the automation strategy that matched it
    resume_id = models.UUIDField(null=True)  # the resume that was sent
    matched_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    confirmed_at = models.DateTimeField(null=True)
    replied_at = models.DateTimeField(null=True)
    interview_at = models.DateTimeField(null=True)
    offer_at = models.DateTimeField(null=True)
    version = models.PositiveIntegerField()
    position = models.BigIntegerField()

    class Meta:
        db_table = "jobraker_funnel"
class ReferenceRateTable(models.Model):
    """Exchange rates imported by ``jobraker rates refresh`` (matching/currency.py). Reference
    data, not a projection: no event makes it and no rebuild touches it. The newest table by
    publication date is the one in force; the package's shipped table counts when none is newer."""

    published_on = models.DateField(unique=True)
    source = models.CharField(max_length=300)
    base = models.CharField(max_length=3)
    rates = models.JSONField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_reference_rates"


class MatchMark(models.Model):
    """A candidate or a job whose precomputed matches are out of date (written by the
    match_marks projection, cleared by the worker that recomputes; matching/precomputed.py).
    One row per candidate or job; ``position`` is the newest event that marked it."""

    candidate_id = models.UUIDField(null=True, unique=True)
    job_id = models.UUIDField(null=True, unique=True)
    position = models.BigIntegerField()
    # A listing's events since its matches were last updated: its counts depend on which.
    posted_position = models.BigIntegerField(null=True)
    changed_position = models.BigIntegerField(null=True)
    expired_position = models.BigIntegerField(null=True)
    # A candidate's wishes changed (not only their applications): their reads rank on the fly
    # until the worker ranks them anew, so their own change shows at once.
    wishes_changed = models.BooleanField(default=False, db_default=False)  # (the listing marks' raw INSERT omits it)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "jobraker_match_marks"
        constraints = [
            models.CheckConstraint(condition=models.Q(candidate_id__isnull=True) ^ models.Q(job_id__isnull=True),
                                   name="match_mark_names_one")
        ]


class CandidateMatch(models.Model):
    """One of a candidate's best jobs, scored. The explanation names the candidate's skills and
    salary floor, so it is sealed under their key; score and order key are numbers. Dropped on
    erasure."""

    candidate_id = models.UUIDField()
    # Joined for reading (select_related), not enforced: the jobs and matches projections advance
    # apart, and a listing's row is never deleted while it has matches.
    job = models.ForeignKey("JobRecord", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+")
    score = models.SmallIntegerField()
    tiebreak = models.FloatField(default=0.0)  # the ranking's second key (similarity): equal scores keep its order
    explanation = SealedJSONField(default=dict)

    class Meta:
        db_table = "jobraker_candidate_matches"
        constraints = [models.UniqueConstraint(fields=["candidate_id", "job_id"], name="candidate_match_once")]
        indexes = [models.Index(fields=["candidate_id", "-score", "-tiebreak", "job_id"], name="candidate_match_order"),
                   models.Index(fields=["job"], name="candidate_match_job")]


class MatchSummary(models.Model):
    """When a candidate's matches were computed, with which model, and how many jobs each hard
    filter removed (numbers only). A candidate without one has never been computed.

    ``page``: their best matches as the API's JSON, one per line, written by the worker with the
    rows (matching/precomputed.py, ``render_page``), so that a matches request reads one row;
    sealed under the candidate's key, as the explanations in it are. ``page_jobs``: the listing of
    each line; ``page_complete``: the page holds every kept match (not only the first ones)."""

    candidate_id = models.UUIDField(primary_key=True)
    model = models.CharField(max_length=100)
    removed_by_filter = models.JSONField(default=dict)
    counted_through = models.BigIntegerField(default=0)  # the newest listing event the counts and rows include
    computed_at = models.DateTimeField()
    page = SealedBinaryTextField(null=True)  # null: not rendered yet (the API reads the rows meanwhile)
    page_jobs = ArrayField(models.UUIDField(), default=list)
    page_complete = models.BooleanField(default=False)

    class Meta:
        db_table = "jobraker_match_summaries"


class EmbeddingPending(models.Model):
    """A job or candidate whose vector is out of date: the vectors projection records it, the
    ``embed_pending_vectors`` actor embeds it (projections/embedder.py). Ids and log positions
    only: the texts are read from the event store by the worker, never kept here.

    ``since`` is the first position whose change the stored vector may not reflect yet (matching
    waits until no row of its candidate has ``since`` at or before its position); ``position``
    the last. ``claimed_until``: a worker is embedding it (a lease, so a killed worker's rows
    come back)."""

    target_id = models.UUIDField(primary_key=True)
    kind = models.CharField(max_length=16)  # "job" or "candidate"
    since = models.BigIntegerField()
    position = models.BigIntegerField()
    claimed_until = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_embedding_pending"
        indexes = [models.Index(fields=["since"], name="embedding_pending_since")]
