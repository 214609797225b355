"""One listing per real job (issue 18, item 2): a listing posted again on the employer's board
is linked to the first (Job.DuplicateLinked), matching and job search leave it out, and
applying takes the employer's own form."""

from __future__ import annotations

from uuid import uuid4

from jobraker.matching.filters import not_expired
from jobraker.projections.models import JobRecord
from jobraker.sources.duplicates import link_if_duplicate, preferred_apply_url

TEXT = ("Build the control software of our warehouse robots in C++ and Python with ROS 2, from simulation "
        "to the fleet, with a small team that owns its features end to end and ships every week.")


def _post(jobraker, source: str, company: str, title: str, location: str, url: str, description: str = TEXT):
    jid, _ = jobraker.post_job(source=source, external_id=f"dup-{uuid4().hex}", title=title, company=company,
                               location=location, country="gb", description=description, url=url)
    return jid


def test_the_boards_posting_of_an_adzuna_listing_is_linked_to_it_and_left_out(jobraker, projector):
    company = f"Northwind {uuid4().hex[:6]} Ltd"
    first = _post(jobraker, "adzuna", company, "Senior Robotics Engineer", "Cambridge",
                  "https://www.adzuna.co.uk/land/ad/1")
    other_town = _post(jobraker, "adzuna", company, "Senior Robotics Engineer", "Leeds", "https://www.adzuna.co.uk/land/ad/2")
    projector.catch_up()
    assert link_if_duplicate(jobraker, first) is None
    assert link_if_duplicate(jobraker, other_town) is None  # the same text in another town: a second opening
    board = _post(jobraker, "greenhouse", company.removesuffix(" Ltd"), "Sr. Robotics Engineer",
                  "Cambridge, England, United Kingdom", "https://job-boards.greenhouse.io/northwind/jobs/9",
                  description="We hire on merit. " + TEXT + " Benefits: pension and 25 days.")

    assert link_if_duplicate(jobraker, board) == first
    assert link_if_duplicate(jobraker, board) == first  # a redelivered message links nothing twice
    job = jobraker.get_job(board)
    assert job.duplicate_of == first
    projector.catch_up()
    assert JobRecord.objects.get(id=board).duplicate_of == first
    visible = set(JobRecord.objects.filter(not_expired(None), id__in=[first, board, other_town]).values_list("id", flat=True))
    assert visible == {first, other_town}
    assert preferred_apply_url(jobraker.get_job(first)) == "https://job-boards.greenhouse.io/northwind/jobs/9"
    assert preferred_apply_url(jobraker.get_job(other_town)) == "https://www.adzuna.co.uk/land/ad/2"

    jobraker.expire_job(first, reason="no longer on Adzuna")  # the job may still be open on the board
    projector.catch_up()
    visible = set(JobRecord.objects.filter(not_expired(None), id__in=[first, board]).values_list("id", flat=True))
    assert visible == {board}


def test_two_listings_of_one_job_never_link_to_each_other(jobraker, projector):
    company = f"Contoso {uuid4().hex[:6]}"
    a = _post(jobraker, "lever", company, "Data Analyst", "Leeds", "https://jobs.lever.co/contoso/a/apply")
    b = _post(jobraker, "adzuna", company, "Data Analyst", "Leeds", "https://www.adzuna.co.uk/land/ad/3")
    projector.catch_up()
    results = [link_if_duplicate(jobraker, b), link_if_duplicate(jobraker, a)]  # b's fingerprint stored first
    assert results == [None, b]  # the later arrival links to the earlier one, never both ways
    assert jobraker.get_job(b).duplicate_of is None


def test_the_api_lists_one_listing_per_job(jobraker, projector, live_projector):
    from jobraker.accounts.models import Role

    from ..api_helpers import operator

    company = f"Fabrikam {uuid4().hex[:6]}"
    first = _post(jobraker, "adzuna", company, "Clinical Data Engineer", "Bristol", "https://www.adzuna.co.uk/land/ad/4")
    second = _post(jobraker, "ashby", company, "Clinical Data Engineer", "Bristol, England",
                   "https://jobs.ashbyhq.com/fabrikam/1/application")
    projector.catch_up()
    link_if_duplicate(jobraker, first)
    link_if_duplicate(jobraker, second)
    projector.catch_up()
    staff = operator(Role.STAFF)
    ids = {row["id"] for row in staff.get("/api/v1/jobs", {"q": "clinical data engineer"}).json()["results"]}
    assert str(first) in ids and str(second) not in ids
