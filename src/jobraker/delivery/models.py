"""Tables of the delivery app: the e-mail ledger (one row per notification, which is what
makes e-mail exactly once) and the read models its projections keep."""

from django.db import models

from jobraker.privacy.sealed_fields import SealedJSONField, SealedTextField


class EmailDelivery(models.Model):
    """Whether a notification's e-mail went out. The row is locked while sending, so two
    workers handling the same message never both send; a sent row is never sent again."""

    PENDING, SENT, SKIPPED = "pending", "sent", "skipped"

    notification_id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    status = models.CharField(max_length=8, default=PENDING)
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobraker_email_deliveries"


class NotificationSettingsRecord(models.Model):
    candidate_id = models.UUIDField(primary_key=True)
    email = models.BooleanField(default=True)
    daily_digest = models.BooleanField(default=True)
    follow_up_reminders = models.BooleanField(default=True)
    version = models.PositiveIntegerField()

    class Meta:
        db_table = "jobraker_notification_settings"


class JobAlertRecord(models.Model):
    id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    name = SealedTextField()  # sealed under the candidate's key (privacy/sealed_fields.py)
    criteria = SealedJSONField(default=dict)
    frequency = models.CharField(max_length=16)
    is_subscribed = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField()

    class Meta:
        db_table = "jobraker_job_alerts"
        indexes = [models.Index(fields=["is_subscribed", "frequency"])]


class AlertHit(models.Model):
    """A new job that matched an alert: at most one per alert and job, whatever the redelivery.
    Daily alerts are summed up from these and marked with the digest's date."""

    alert_id = models.UUIDField()
    job_id = models.UUIDField()
    candidate_id = models.UUIDField(db_index=True)
    matched_at = models.DateTimeField(auto_now_add=True)
    digested_on = models.DateField(null=True)

    class Meta:
        db_table = "jobraker_alert_hits"
        constraints = [models.UniqueConstraint(fields=["alert_id", "job_id"], name="one_hit_per_alert_and_job")]
        indexes = [models.Index(fields=["alert_id", "digested_on"])]
