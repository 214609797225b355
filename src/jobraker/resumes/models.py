from django.db import models


class ResumeFile(models.Model):
    """A resume's bytes, sealed with its candidate's data key (unreadable once they are erased)."""

    id = models.UUIDField(primary_key=True)
    candidate_id = models.UUIDField(db_index=True)
    sealed_content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "jobraker_resume_files"
