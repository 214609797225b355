from django.db import models


class Kek(models.Model):
    """The number of a key-encryption key that may still wrap subject keys. The key itself never
    enters the database (see privacy/keks.py); a row is deleted when its KEK is destroyed, which
    the foreign key from ``SubjectKey`` refuses while any subject key is still wrapped by it."""

    id = models.PositiveIntegerField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_keks"


class SubjectKey(models.Model):
    """A candidate's data key, wrapped by KEK ``kek_id``. Erasure deletes the row."""

    subject_id = models.UUIDField(primary_key=True)
    wrapped_key = models.BinaryField()
    # A plain column: the foreign key is made NOT DEFERRABLE by migration 0003 (Django's are
    # deferred to commit), so a key wrapped by a retired KEK is refused at its INSERT.
    kek_id = models.PositiveIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_subject_keys"


class ErasedSubject(models.Model):
    """Tombstone of an erased subject: no key material, only the fact, so that nothing can be
    sealed or written for them again."""

    subject_id = models.UUIDField(primary_key=True)
    erased_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_erased_subjects"


class DataExport(models.Model):
    """A candidate's data export (GDPR art. 15/20): a zip sealed with their own key."""

    id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    requested_by = models.CharField(max_length=16)
    status = models.CharField(max_length=16, default="pending")  # pending, ready
    sealed_zip = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_data_exports"


class SubjectStream(models.Model):
    """A stream created about a candidate (an application, a notification, a conversation, …),
    written in the transaction of its creation event (eventstore/app.py), so that export and
    erasure find a candidate's streams by index instead of reading every creation event in the
    store (and opening every other candidate's sealed fields on the way)."""

    id = models.BigAutoField(primary_key=True)  # creation order
    stream_id = models.UUIDField(unique=True)
    subject_id = models.UUIDField(db_index=True)
    topic = models.CharField(max_length=200)  # the creation event's topic: which kind of stream

    class Meta:
        db_table = "jobraker_subject_streams"
