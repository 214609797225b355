"""The inbox's rules (issue 18 item 4): a labelled set of employer mails in English, German and
French gets its class and interview date; matching picks the application the mail is about."""

from __future__ import annotations

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.domain.application import MAIL_KINDS
from jobraker.inbox.classify import classify, interview_date
from jobraker.inbox.matching import Candidacy, best_match, site

from ..inbox_mails import LABELLED, utc


@pytest.mark.parametrize(("sender", "subject", "body", "kind", "at"), LABELLED, ids=[row[1][:40] for row in LABELLED])
def test_each_labelled_mail_gets_its_class_and_date(sender, subject, body, kind, at):
    verdict = classify(subject, body)
    assert (verdict.kind, verdict.interview_at) == (kind, at)


def test_the_labelled_set_covers_every_class_in_three_languages():
    assert {row[3] for row in LABELLED} == set(MAIL_KINDS)
    assert len(LABELLED) >= 10


def test_a_conditional_invitation_is_a_confirmation_and_an_invitation_after_it_is_not():
    assert classify("Received", "Thank you for your application. If you are shortlisted we will invite you to an interview.").kind == "confirmation"
    assert classify("Next", "Thank you for your application. We would like to invite you to an interview.").kind == "interview"


def test_dates_in_each_form_and_impossible_dates():
    assert interview_date("on 3rd March 2027 at 11:15") == utc(2027, 3, 3, 11, 15)
    assert interview_date("am 4. März 2027 um 9 Uhr") == utc(2027, 3, 4, 9, 0)
    assert interview_date("le 5 mars 2027 à 16h") == utc(2027, 3, 5, 16, 0)
    assert interview_date("31.02.2027") is None
    assert interview_date("no date at all") is None


@given(st.text(max_size=300), st.text(max_size=2000))
def test_any_text_gets_one_of_the_kinds(subject, body):
    verdict = classify(subject, body)
    assert verdict.kind in MAIL_KINDS
    assert verdict.interview_at is None or verdict.kind == "interview"


def _candidacy(company, title, url, open_=True, order=0, sent=True):
    return Candidacy(uuid4(), company, title, url, open_, order, sent)


def test_matching_by_domain_company_and_title():
    acme = _candidacy("Acme GmbH", "Python Developer", "https://jobs.acme.example/123")
    globex = _candidacy("Globex", "Data Engineer", "https://boards.greenhouse.io/globex/jobs/1", order=1)
    both = [acme, globex]
    assert best_match(both, "careers.acme.example", "Your application", "Thanks") == acme.application_id
    # An applicant-tracking system's domain says nothing: the company's name in the text does.
    assert best_match(both, "greenhouse.io", "Your application to Globex", "") == globex.application_id
    assert best_match(both, "greenhouse.io", "Your application", "Thanks for applying") is None
    assert best_match(both, "random.example", "Data Engineer role", "") == globex.application_id
    assert best_match(both, "random.example", "Hello", "A newsletter") is None


def test_a_tie_prefers_the_open_then_the_newest_application():
    closed = _candidacy("Acme", "Developer", "", open_=False, order=5)
    older = _candidacy("Acme", "Developer", "", order=1)
    newer = _candidacy("Acme", "Developer", "", order=2)
    assert best_match([closed, older, newer], "acme.example", "Acme", "") == newer.application_id


def test_an_employer_writes_about_an_application_it_received():
    # Two listings at one company: the one sent, and a newer one only matched (the walk-through's
    # sandbox company answered the sent one, and the newer unsent one took its mail).
    sent = _candidacy("Acme", "Python Developer", "", order=1)
    unsent = _candidacy("Acme", "Python Developer", "", order=2, sent=False)
    assert best_match([sent, unsent], "acme.example", "Interview: Python Developer", "") == sent.application_id
    # Even when the unsent one's title fits better: an employer cannot answer what it never got.
    backend = _candidacy("Acme", "Backend Engineer", "", order=3, sent=False)
    assert best_match([sent, backend], "acme.example", "Interview: Backend Engineer", "Acme") == sent.application_id
    # With nothing sent, the best of the rest still wins (a mail about an application made elsewhere).
    assert best_match([unsent, backend], "acme.example", "Interview: Backend Engineer", "") == backend.application_id


def test_among_sent_applications_the_one_the_mail_can_move_wins():
    # The walk-through's second case: two runs went out to one company for the same title; one was
    # confirmed (submitted), the other's run failed. The invitation is about the one that can go to interview.
    confirmed = Candidacy(uuid4(), "Acme", "Python Developer", "", True, 1, True, frozenset({"schedule_interview"}))
    run_failed = Candidacy(uuid4(), "Acme", "Python Developer", "", True, 2, True, frozenset())
    both = [confirmed, run_failed]
    assert best_match(both, "acme.example", "Interview: Python Developer", "", "schedule_interview") == confirmed.application_id
    # Without a move to go by, the newest wins as before; the words still outrank the move.
    assert best_match(both, "acme.example", "Interview: Python Developer", "") == run_failed.application_id
    data = Candidacy(uuid4(), "Acme", "Data Engineer", "", True, 3, True, frozenset())
    assert best_match([confirmed, data], "acme.example", "Interview: Data Engineer", "", "schedule_interview") == data.application_id


def test_site_is_the_registrable_part():
    assert site("jobs.acme.co.uk") == "acme.co.uk"
    assert site("mail.careers.acme.de") == "acme.de"
