from django.db import models


class FollowedBoard(models.Model):
    """A company's job board Jobraker fetches (Greenhouse, Lever or Ashby). Holds no personal
    data: ``followed_by`` is who asked first — staff (by account id), the sandbox, or
    "candidates" (which candidates, is in BoardFollower). A board only candidates follow is
    unfollowed when the last of them stops."""

    SOURCES = [("greenhouse", "Greenhouse"), ("lever", "Lever"), ("ashby", "Ashby")]

    source = models.CharField(max_length=16, choices=SOURCES)
    token = models.CharField(max_length=100)
    company = models.CharField(max_length=300)  # shown when the API does not name the company
    followed_by = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    listings = models.IntegerField(default=0)
    # external id -> digest of the posting as last posted: unchanged postings are not posted again,
    # and one missing from a later fetch has left the board (its listing expires).
    seen = models.JSONField(default=dict)

    class Meta:
        db_table = "jobraker_followed_boards"
        constraints = [models.UniqueConstraint(fields=["source", "token"], name="board_followed_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.token}"


class BoardFollower(models.Model):
    """A candidate who follows a board (Candidate.BoardFollowed, projected by
    sources/boards/projection.py): ids only (the company name they gave stays sealed in their
    event). Dropped when they stop following or are erased."""

    board = models.ForeignKey(FollowedBoard, on_delete=models.CASCADE, related_name="followers")
    candidate_id = models.UUIDField(db_index=True)
    followed_at = models.DateTimeField()

    class Meta:
        db_table = "jobraker_board_followers"
        constraints = [models.UniqueConstraint(fields=["board", "candidate_id"], name="board_follower_once")]


class ListingFingerprint(models.Model):
    """A listing's fingerprint (domain/listing_identity.py), kept to find its duplicates among
    later listings of the same company. Listing data only: no personal data."""

    id = models.BigAutoField(primary_key=True)  # order of arrival: a later listing links to an earlier one
    job_id = models.UUIDField(unique=True)
    source = models.CharField(max_length=32)
    company_key = models.CharField(max_length=300, db_index=True)
    title = models.JSONField()  # normalised title words
    town = models.CharField(max_length=300)
    shingles = models.JSONField()  # crc32 of the description's word 3-shingles

    class Meta:
        db_table = "jobraker_listing_fingerprints"
