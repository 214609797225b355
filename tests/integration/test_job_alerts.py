"""Job alerts: saved searches as events; a new job matching a subscribed alert notifies once
per alert and job (immediately) or goes into that alert's daily digest; unsubscribing works
through the API and through a signed link without logging in. Authorization for every endpoint.
The alert's lifecycle is checked as a state machine over arbitrary command sequences."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from functools import reduce
from uuid import UUID, uuid4

import pytest
from django.core import signing
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.delivery.alerts import (
    UNSUBSCRIBE_SALT,
    alert_from_token,
    alert_on_new_job,
    send_alert_digests,
    unsubscribe_link,
    unsubscribe_token,
)
from jobraker.delivery.email import deliver_notification
from jobraker.delivery.models import AlertHit
from jobraker.domain.alert import AlertCriteria, JobAlert
from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.notification import notification_id

from ..api_helpers import caught_up, operator, signed_in, wait
from ..conftest import relay_from_now, unique_email

# A new job is matched for every candidate whose automation is on and checked against every
# subscribed alert in the database: only this module's (on the shared one, every earlier
# test's candidates made a job's matching take 10-30 s here).
pytestmark = pytest.mark.usefixtures("module_database")

# The matching rule.

PYTHON_JOB = {"title": "Senior Python Developer", "company": "Acme", "description": "Django and PostgreSQL",
              "location": "London, UK", "salary_min": 60_000.0, "salary_max": 80_000.0, "remote": True}


@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        ({"keywords": ["python", "DJANGO"]}, True),  # every keyword, any case, title or description
        ({"keywords": ["python", "rust"]}, False),
        ({"location": "london"}, True),
        ({"location": "Leeds"}, False),
        ({"salary_min": 75_000}, True),  # the top of the range counts
        ({"salary_min": 90_000}, False),
        ({"remote": "remote"}, True),
        ({"remote": "onsite"}, False),
        ({"keywords": ["python"], "location": "London", "salary_min": 50_000, "remote": "remote"}, True),
    ],
)
def test_every_given_criterion_must_hold(criteria, matches):
    assert AlertCriteria.from_dict(criteria).matches(PYTHON_JOB) is matches


def test_a_salary_criterion_never_matches_a_job_without_a_salary():
    assert not AlertCriteria(salary_min=1).matches({**PYTHON_JOB, "salary_min": None, "salary_max": None})


def test_an_alert_needs_at_least_one_criterion():
    with pytest.raises(InvalidValue, match="at least one"):
        AlertCriteria()


@given(st.lists(st.sampled_from(["python", "django", "acme", "senior", "go", "rust"]), max_size=4))
def test_adding_a_keyword_never_widens_an_alert(keywords):
    narrow = AlertCriteria(keywords=(*keywords, "python"))
    wide = AlertCriteria(keywords=("python",))
    assert not narrow.matches(PYTHON_JOB) or wide.matches(PYTHON_JOB)


# The aggregate's lifecycle as a state machine.

criteria_dicts = st.fixed_dictionaries(
    {},
    optional={
        "keywords": st.lists(st.sampled_from(["python", "go", "data", " ", "x" * 101]), max_size=3),
        "location": st.sampled_from(["", "London", "Berlin"]),
        "salary_min": st.one_of(st.none(), st.integers(-5, 200_000)),
        "remote": st.sampled_from(["any", "remote", "onsite", "moon"]),
    },
)


class AlertLifecycle(RuleBasedStateMachine):
    """Any sequence of changes and unsubscribes: refused commands record nothing, an
    unsubscribed alert stays unsubscribed and unchangeable, and replaying the recorded
    events rebuilds exactly the same alert."""

    def __init__(self) -> None:
        super().__init__()
        self.alert = JobAlert.create(uuid4(), "Python in London", AlertCriteria(keywords=("python",)), "immediate")
        self.events = list(self.alert.collect_events())
        self.unsubscribed = False

    @rule(name=st.one_of(st.none(), st.sampled_from(["Go jobs", "", "n" * 101])), criteria=st.one_of(st.none(), criteria_dicts),
          frequency=st.one_of(st.none(), st.sampled_from(["immediate", "daily", "hourly"])))
    def change(self, name, criteria, frequency) -> None:
        before = (self.alert.name, self.alert.criteria, self.alert.frequency, self.alert.version)
        try:
            self.alert.change(
                name=name, criteria=None if criteria is None else AlertCriteria.from_dict(criteria), frequency=frequency
            )
        except (InvalidValue, IllegalTransition) as refused:
            assert self.unsubscribed or isinstance(refused, InvalidValue)
            assert (self.alert.name, self.alert.criteria, self.alert.frequency, self.alert.version) == before
        else:
            assert not self.unsubscribed
        self.events += self.alert.collect_events()

    @rule(via=st.sampled_from(["api", "link"]))
    def unsubscribe(self, via) -> None:
        self.alert.unsubscribe(via)
        self.events += self.alert.collect_events()
        self.unsubscribed = True

    @invariant()
    def subscription_follows_the_commands(self) -> None:
        assert self.alert.is_subscribed is not self.unsubscribed
        assert sum(isinstance(e, JobAlert.Unsubscribed) for e in self.events) == int(self.unsubscribed)

    @invariant()
    def replay_rebuilds_the_same_alert(self) -> None:
        replayed = reduce(lambda aggregate, e: e.mutate(aggregate), self.events, None)
        assert replayed.version == self.alert.version == len(self.events)
        assert (replayed.name, replayed.criteria, replayed.frequency, replayed.is_subscribed) == (
            self.alert.name, self.alert.criteria, self.alert.frequency, self.alert.is_subscribed,
        )


AlertLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=15, deadline=None)
TestAlertLifecycle = AlertLifecycle.TestCase


# Alerts at work: relay → Dramatiq (real Redis) → actor → notification → e-mail.


def _post_job(jobraker, **fields) -> UUID:
    listing = {"source": "test", "external_id": uuid4().hex, "title": "Senior Python Developer", "company": "Acme",
               "location": "London", "description": "Django", **fields}
    return jobraker.post_job(**listing)[0]


def _alert(jobraker, candidate_id: UUID, frequency: str = "immediate", keywords=("python",)) -> UUID:
    alert_id, position = jobraker.create_alert(candidate_id, "Python jobs", {"keywords": list(keywords)}, frequency)
    caught_up(position)
    return alert_id


def test_a_new_matching_job_alerts_once_per_alert_and_job_and_is_emailed(jobraker, live_projector, dramatiq_worker, mailoutbox):
    from jobraker.workers.actors import check_job_alerts

    relay = relay_from_now(jobraker)
    email = unique_email("alert")
    candidate_id, _ = jobraker.register_candidate(email, "Alert Reader", "hash", address_verified=True)  # no link mail
    alert_id = _alert(jobraker, candidate_id, keywords=(f"python-{candidate_id.hex[:8]}",))
    job_id = _post_job(jobraker, title=f"Python-{candidate_id.hex[:8]} Developer")
    _post_job(jobraker, title="Rust Developer")  # matches nothing
    relay.catch_up()
    dramatiq_worker.join("match", timeout=90_000)  # a loaded machine: the actor may wait for the vector
    check_job_alerts.send(str(job_id), "redelivered")  # a redelivery notifies nobody again
    dramatiq_worker.join("match", timeout=90_000)  # a loaded machine: the actor may wait for the vector
    relay.catch_up()  # the alert's notification is e-mailed
    dramatiq_worker.join("default", timeout=90_000)

    [sent] = jobraker.recorder.select_events(notification_id(f"alert:{alert_id}:{job_id}"))
    notification = jobraker.repository.get(sent.originator_id)
    assert notification.kind == "job_alert" and notification.link == f"/api/v1/jobs/{job_id}"
    assert notification.message.startswith(f'New job for your alert "Python jobs": Python-{candidate_id.hex[:8]} Developer at Acme (London).')
    assert AlertHit.objects.filter(alert_id=alert_id).count() == 1
    [mail] = [m for m in mailoutbox if m.to == [email]]
    assert mail.subject == "Jobraker: A new job for your alert"
    assert alert_from_token(re.search(r"/api/v1/alerts/unsubscribe/(\S+)", mail.body).group(1)) == alert_id
    assert_one_click_headers(mail, alert_id)


def assert_one_click_headers(mail, alert_id: UUID) -> None:
    """RFC 8058: the link in List-Unsubscribe, and the header that says a POST does it."""
    headers = mail.message()
    link = re.fullmatch(r"<(https?://\S+/api/v1/alerts/unsubscribe/(\S+))>", headers["List-Unsubscribe"])
    assert link and alert_from_token(link.group(2)) == alert_id
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_daily_alert_collects_hits_into_one_digest(jobraker, live_projector):
    candidate_id, _ = jobraker.register_candidate(unique_email("daily"), "Daily", "hash")
    tag = candidate_id.hex[:8]
    alert_id = _alert(jobraker, candidate_id, "daily", keywords=(f"daily-{tag}",))
    jobs = [_post_job(jobraker, title=f"Daily-{tag} Engineer {n}") for n in range(3)]
    for job_id in jobs:
        alert_on_new_job(jobraker, job_id)
    alert_on_new_job(jobraker, jobs[0])  # twice: still one hit
    assert jobraker.recorder.select_events(notification_id(f"alert:{alert_id}:{jobs[0]}")) == []  # not immediate

    cutoff = timezone.now() + timedelta(seconds=1)
    send_alert_digests(jobraker, cutoff)
    send_alert_digests(jobraker, cutoff)
    [digest] = jobraker.recorder.select_events(notification_id(f"alert-digest:{alert_id}:{cutoff.date().isoformat()}"))
    message = jobraker.repository.get(digest.originator_id).message
    assert message.startswith('3 new jobs for your alert "Python jobs": ')
    assert all(f"Daily-{tag} Engineer {n} at Acme" in message for n in range(3))
    assert set(AlertHit.objects.filter(alert_id=alert_id).values_list("digested_on", flat=True)) == {cutoff.date()}


def test_alert_emails_carry_one_click_unsubscribe_headers_and_others_do_not(jobraker, live_projector, mailoutbox):
    email = unique_email("headers")
    candidate_id, _ = jobraker.register_candidate(email, "Headers", "hash")
    alert_id = _alert(jobraker, candidate_id, "daily", keywords=(f"headers-{candidate_id.hex[:8]}",))
    alert_on_new_job(jobraker, _post_job(jobraker, title=f"Headers-{candidate_id.hex[:8]} Engineer"))
    cutoff = timezone.now() + timedelta(seconds=1)
    send_alert_digests(jobraker, cutoff)
    digest = notification_id(f"alert-digest:{alert_id}:{cutoff.date().isoformat()}")
    jobraker.send_notification(f"headers:{candidate_id}", candidate_id, "application_status", "Moved.")
    assert deliver_notification(jobraker, digest) == "sent"
    assert deliver_notification(jobraker, notification_id(f"headers:{candidate_id}")) == "sent"
    alert_mail, other_mail = [m for m in mailoutbox if m.to == [email]]
    assert_one_click_headers(alert_mail, alert_id)
    assert "List-Unsubscribe" not in other_mail.message()


def test_the_unsubscribe_link_works_without_login_and_stops_the_alerts(jobraker, live_projector):
    candidate_id, _ = jobraker.register_candidate(unique_email("unsub"), "Unsub", "hash")
    tag = candidate_id.hex[:8]
    alert_id = _alert(jobraker, candidate_id, keywords=(f"unsub-{tag}",))
    anonymous = APIClient()
    url = f"/api/v1/alerts/unsubscribe/{unsubscribe_token(alert_id)}"
    assert anonymous.post(f"{url}x", ONE_CLICK, content_type=FORM).status_code == 404
    assert anonymous.post(f"/api/v1/alerts/unsubscribe/{unsubscribe_token(uuid4())}", ONE_CLICK, content_type=FORM).status_code == 404
    r = anonymous.post(url, ONE_CLICK, content_type=FORM)
    assert r.status_code == 200 and r.json()["unsubscribed"] is True
    again = anonymous.post(url, ONE_CLICK, content_type=FORM)
    assert again.status_code == 200 and again.json()["position"] == 0  # clicked twice: nothing more recorded
    caught_up(int(r["X-Event-Position"]))
    assert jobraker.get_alert(alert_id).is_subscribed is False
    assert alert_on_new_job(jobraker, _post_job(jobraker, title=f"Unsub-{tag} role")) == []


ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def link_clients(django_db_setup, django_db_blocker, live_projector):
    with django_db_blocker.unblock():
        owner, created, _ = signed_in()
        other, _, _ = signed_in()
        return {"anonymous": APIClient(), "owner": owner, "other": other, "staff": operator(Role.STAFF)}


@pytest.mark.parametrize("role", ("anonymous", "owner", "other", "staff"))
def test_opening_the_link_changes_nothing_and_a_post_needs_the_one_click_body(jobraker, link_clients, role):
    """Mail scanners and link previews GET every link: that alone must not unsubscribe.
    Whoever holds the link (it is the credential) unsubscribes with the RFC 8058 POST."""
    client = link_clients[role]
    candidate_id, _ = jobraker.register_candidate(unique_email("oneclick"), "One Click", "hash")
    alert_id = _alert(jobraker, candidate_id, keywords=(f"oneclick-{candidate_id.hex}",))
    url = f"/api/v1/alerts/unsubscribe/{unsubscribe_token(alert_id)}"
    version = jobraker.get_alert(alert_id).version
    for _ in range(3):
        opened = client.get(url)
        assert opened.status_code == 200
        assert opened.json()["is_subscribed"] is True and ONE_CLICK in opened.json()["unsubscribe"]
    for refused in (client.post(url), client.post(url, "List-Unsubscribe=yes", content_type=FORM)):
        assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert jobraker.get_alert(alert_id).version == version and jobraker.get_alert(alert_id).is_subscribed
    r = client.post(url, ONE_CLICK, content_type=FORM)
    assert r.status_code == 200 and r.json()["unsubscribed"] is True
    assert jobraker.get_alert(alert_id).is_subscribed is False


class SignedAt(signing.TimestampSigner):
    """Signs as if at another moment: how a link sent long ago looks today."""

    def __init__(self, at: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.at = at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.at))


def token_made(days_ago: float, alert_id: UUID) -> str:
    return SignedAt(time.time() - days_ago * 86400, salt=UNSUBSCRIBE_SALT).sign_object(str(alert_id), compress=True)


def test_unsubscribe_links_expire_after_90_days(jobraker, link_clients):
    candidate_id, _ = jobraker.register_candidate(unique_email("expiry"), "Expiry", "hash")
    alert_id = _alert(jobraker, candidate_id, keywords=(f"expiry-{candidate_id.hex}",))
    anonymous = link_clients["anonymous"]
    old = f"/api/v1/alerts/unsubscribe/{token_made(91, alert_id)}"
    for response in (anonymous.get(old), anonymous.post(old, ONE_CLICK, content_type=FORM)):
        assert response.status_code == 404 and "expired" in response.json()["detail"]
    assert jobraker.get_alert(alert_id).is_subscribed
    recent = f"/api/v1/alerts/unsubscribe/{token_made(89, alert_id)}"
    assert anonymous.post(recent, ONE_CLICK, content_type=FORM).status_code == 200
    assert jobraker.get_alert(alert_id).is_subscribed is False
    assert unsubscribe_link(alert_id).startswith("http")


# The API, with authorization.


def test_candidates_manage_their_own_alerts(jobraker, live_projector):
    owner, _, _ = signed_in()
    r = owner.post("/api/v1/alerts", {"name": "Remote Python", "criteria": {"keywords": ["python"], "remote": "remote"},
                                      "frequency": "daily"}, format="json")
    assert r.status_code == 201, r.content
    alert_id = r.json()["id"]
    listed = owner.get("/api/v1/alerts", **wait(owner, r)).json()["results"]
    assert [(a["id"], a["name"], a["frequency"], a["criteria"]["remote"]) for a in listed] == [(alert_id, "Remote Python", "daily", "remote")]
    assert alert_from_token(listed[0]["unsubscribe_url"].rsplit("/", 1)[1]) == UUID(alert_id)

    detail = owner.get(f"/api/v1/alerts/{alert_id}")
    assert detail.status_code == 200 and detail["ETag"] == '"1"'
    r = owner.patch(f"/api/v1/alerts/{alert_id}", {"criteria": {"location": "Berlin"}}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200, r.content
    changed = owner.get(f"/api/v1/alerts/{alert_id}", **wait(owner, r)).json()
    assert changed["criteria"] == {"keywords": ["python"], "location": "Berlin", "salary_min": None, "remote": "remote"}
    assert owner.patch(f"/api/v1/alerts/{alert_id}", {"name": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412

    other, _, _ = signed_in()
    assert other.get(f"/api/v1/alerts/{alert_id}").status_code == 404
    assert other.patch(f"/api/v1/alerts/{alert_id}", {"name": "mine now"}, format="json").status_code == 404
    assert other.delete(f"/api/v1/alerts/{alert_id}").status_code == 404
    assert other.get("/api/v1/alerts").json()["results"] == []

    r = owner.delete(f"/api/v1/alerts/{alert_id}")
    assert r.status_code == 200
    assert owner.get(f"/api/v1/alerts/{alert_id}", **wait(owner, r)).json()["is_subscribed"] is False
    refused = owner.patch(f"/api/v1/alerts/{alert_id}", {"name": "back"}, format="json")
    assert refused.status_code == 409 and "unsubscribed" in refused.json()["detail"]


def test_bad_alerts_are_refused_clearly_and_strangers_are_kept_out(live_projector):
    owner, _, _ = signed_in()
    empty = owner.post("/api/v1/alerts", {"name": "Everything", "criteria": {}}, format="json")
    assert empty.status_code == 422 and "at least one" in empty.json()["detail"]
    typo = owner.post("/api/v1/alerts", {"name": "T", "criteria": {"keyword": ["go"]}}, format="json")
    assert typo.status_code == 400 and typo.json()["errors"][0]["field"] == "criteria.keyword"
    bad = owner.post("/api/v1/alerts", {"name": "T", "criteria": {"remote": "moon"}, "frequency": "hourly"}, format="json")
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"criteria.remote", "frequency"}

    anonymous = APIClient()
    assert anonymous.get("/api/v1/alerts").status_code == 401
    assert anonymous.post("/api/v1/alerts", {"name": "T", "criteria": {"keywords": ["go"]}}, format="json").status_code == 401
    assert anonymous.get(f"/api/v1/alerts/{uuid4()}").status_code == 401
    staff = operator(Role.STAFF)
    assert staff.get("/api/v1/alerts").status_code == 403
    assert staff.post("/api/v1/alerts", {"name": "T", "criteria": {"keywords": ["go"]}}, format="json").status_code == 403
    assert staff.delete(f"/api/v1/alerts/{uuid4()}").status_code == 403


def test_erasure_shreds_alerts_and_drops_every_delivery_read_model(jobraker, live_projector):
    from jobraker.delivery.models import JobAlertRecord, NotificationSettingsRecord
    from jobraker.domain.personal import ERASED
    from jobraker.privacy.erasure import erase_candidate
    from jobraker.projections.models import NotificationRecord

    candidate_id, _ = jobraker.register_candidate(unique_email("erase"), "Erased", "hash")
    tag = candidate_id.hex[:8]
    alert_id = _alert(jobraker, candidate_id, keywords=(f"erase-{tag}",))
    jobraker.change_notification_settings(candidate_id, {"email": False})
    caught_up(jobraker.send_notification(f"test:erase:{tag}", candidate_id, "test", "Personal news"))
    assert JobAlertRecord.objects.filter(id=alert_id).exists()
    assert NotificationRecord.objects.filter(candidate_id=candidate_id).exists()
    assert NotificationSettingsRecord.objects.filter(candidate_id=candidate_id).exists()

    caught_up(erase_candidate(jobraker, candidate_id, "staff"))
    assert not JobAlertRecord.objects.filter(candidate_id=candidate_id).exists()
    assert not NotificationRecord.objects.filter(candidate_id=candidate_id).exists()
    assert not NotificationSettingsRecord.objects.filter(candidate_id=candidate_id).exists()
    alert = jobraker.get_alert(alert_id)
    assert alert.name is ERASED and alert.criteria is ERASED  # crypto-shredded in the log itself
    assert alert_on_new_job(jobraker, _post_job(jobraker, title=f"Erase-{tag} role")) == []


def test_an_alert_whose_candidates_key_is_gone_stops_no_other_alert(jobraker, live_projector):
    """Between the key's destruction and the erasure event's projection, the alert's sealed
    criteria read as None: that alert is passed over, the others still fire (a full-suite run
    found check_job_alerts dead-lettered on it)."""
    from jobraker.delivery.alerts import alert_on_new_job

    gone, _ = jobraker.register_candidate(unique_email("gone"), "Gone", "hash", address_verified=True)
    kept, _ = jobraker.register_candidate(unique_email("kept"), "Kept", "hash", address_verified=True)
    marker = f"keygone{uuid4().hex[:8]}"
    _alert(jobraker, gone, keywords=(marker,))
    kept_alert = _alert(jobraker, kept, keywords=(marker,))
    jobraker.keyring.destroy(gone)
    job_id = _post_job(jobraker, title=f"{marker} developer")
    assert alert_on_new_job(jobraker, job_id) == [kept_alert]
