"""The inbox's tables: each candidate's mailbox connection, forwarding address, and the messages
already read from either.

The connection (host, port, user, app password) is one sealed JSON value under the candidate's
own key (privacy/sealed_fields.py): erasure destroys the key, and deletes the row as well
(privacy/leftovers.py). Nothing else here is personal: UIDs, counts, an error code, and a keyed
digest of each Message-ID (which says nothing without the blind-index key)."""

from __future__ import annotations

from django.db import models

from jobraker.privacy.sealed_fields import SealedJSONField


class Mailbox(models.Model):
    candidate_id = models.UUIDField(primary_key=True)
    connection = SealedJSONField()  # {"host", "port", "user", "password"}
    # Where reading stopped: UIDs are only comparable within one UIDVALIDITY (RFC 3501 2.3.1.1).
    uidvalidity = models.BigIntegerField(null=True)
    last_uid = models.BigIntegerField(default=0)
    connected_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)
    last_polled_at = models.DateTimeField(null=True)
    last_error = models.CharField(max_length=40, blank=True, default="")  # an error code, never server text
    failures = models.PositiveIntegerField(default=0)  # consecutive failed polls
    messages_read = models.PositiveIntegerField(default=0)


class SeenMessage(models.Model):
    """A message already handled for this candidate, by the keyed digest of its Message-ID, so a
    duplicate delivery or a re-read after a UIDVALIDITY change is not recorded twice."""

    candidate_id = models.UUIDField()
    digest = models.CharField(max_length=64)
    application_id = models.UUIDField(null=True)
    kind = models.CharField(max_length=20)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["candidate_id", "digest"], name="inbox_seen_once")]


class ForwardingAddress(models.Model):
    """A candidate's forwarding address, by its local part: a keyed digest of the candidate's id
    (inbox/forwarding.py), so it says nothing about them and cannot be guessed. Deleted at erasure."""

    candidate_id = models.UUIDField(primary_key=True)
    local_part = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    messages_received = models.PositiveIntegerField(default=0)
    last_received_at = models.DateTimeField(null=True)
