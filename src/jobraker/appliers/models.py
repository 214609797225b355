from django.db import models


class SkyvernRunLink(models.Model):
    """Which application a Skyvern run belongs to (written as soon as the run id is known)."""

    run_id = models.CharField(max_length=64, primary_key=True)
    application_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_skyvern_runs"
