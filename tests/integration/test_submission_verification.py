"""Submission verification (issue #8): a Skyvern run that completed counts as submitted only
when its output shows the employer's confirmation; otherwise the application is unverified,
with the reason on its read model. Through the real webhook mapping, store and projection."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from jobraker.appliers.skyvern import SkyvernApplier, SkyvernRun
from jobraker.appliers.submit import submit
from jobraker.appliers.verification import CONFIRMATION_KEYS, verify
from jobraker.appliers.webhooks import record_outcome
from jobraker.domain.application import Status

from ..fakes.skyvern_server import FakeSkyvern
from .test_auto_apply import HOOK, queued_application

CONFIRMED = [
    {"submitted": True, "confirmation": "Thanks for applying! We will be in touch."},
    {"confirmation_number": "A-1234"},
    {"result": {"page": "Your application has been received by Acme Careers."}},
    "Thank you for your application to Acme.",
    {"notes": ["Reached the last page", "Confirmation number: 77812"]},
]
UNCONFIRMED = [
    None, "", {}, [],
    {"submitted": True, "confirmation": None, "page_text": "The form closed."},
    {"submitted": False, "confirmation": "Thank you for applying"},  # Skyvern says it did not submit
    {"confirmation": "   "},
    "Application could not be submitted: thank you for applying later.",
    {"steps": 12, "ok": True},
]


def test_what_counts_as_a_confirmation():
    for output in CONFIRMED:
        assert verify(output).confirmed, output
    for output in UNCONFIRMED:
        verdict = verify(output)
        assert not verdict.confirmed, output
        assert "confirmation" in verdict.evidence or "not submitted" in verdict.evidence


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(output=json_values, key=st.sampled_from(CONFIRMATION_KEYS), value=st.text(min_size=1, max_size=30))
def test_any_output_gets_a_verdict_with_a_bounded_reason(output, key, value):
    verdict = verify(output)
    assert verdict.evidence and len(verdict.evidence) < 600
    # A named, non-empty confirmation counts, unless Skyvern says the form was not submitted.
    named = {"details": output, key: value}
    if value.strip():
        assert verify(named).confirmed
    assert not verify({**named, "submitted": False}).confirmed


def test_tasks_ask_skyvern_for_the_confirmation(jobraker):
    app_id = queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        submit(jobraker, app_id, SkyvernApplier(skyvern.base_url, skyvern.api_key), HOOK)
    schema = skyvern.tasks[0]["data_extraction_schema"]
    assert {"submitted", "confirmation", "confirmation_number"} <= set(schema["properties"])


def _sent(jobraker, skyvern):  # type: ignore[no-untyped-def]
    app_id = queued_application(jobraker)
    submit(jobraker, app_id, SkyvernApplier(skyvern.base_url, skyvern.api_key), HOOK)
    return app_id, skyvern.run_id(len(skyvern.tasks))


def test_completed_without_confirmation_is_unverified_with_the_reason(jobraker, projector):
    from jobraker.appliers.models import SubmissionRecord

    with FakeSkyvern() as skyvern:
        unconfirmed, unconfirmed_run = _sent(jobraker, skyvern)
        confirmed, confirmed_run = _sent(jobraker, skyvern)
        body = skyvern.run_body(unconfirmed_run, "completed", output={"submitted": True, "page_text": "Done."})
        assert record_outcome(jobraker, SkyvernRun.model_validate(body)) == "recorded"
        body = skyvern.run_body(confirmed_run, "completed", output={"page": "We received your application"})
        assert record_outcome(jobraker, SkyvernRun.model_validate(body)) == "recorded"
        # A retried delivery changes nothing.
        assert record_outcome(jobraker, SkyvernRun.model_validate(body)) == "already recorded"
    assert jobraker.get_application(unconfirmed).status is Status.UNVERIFIED
    assert jobraker.get_application(confirmed).status is Status.SUBMITTED
    projector.catch_up()
    record = SubmissionRecord.objects.get(application_id=unconfirmed)
    assert (record.applier, record.verification) == ("skyvern", "unverified")
    assert "no confirmation" in record.reason and "Done." in record.reason
    confirmed_record = SubmissionRecord.objects.get(application_id=confirmed)
    assert confirmed_record.verification == "confirmed" and "We received your application" in confirmed_record.reason


def test_a_review_settled_by_skyvern_without_confirmation_stays_unverified(jobraker):
    with FakeSkyvern() as skyvern:
        app_id, run_id = _sent(jobraker, skyvern)
        application = jobraker.get_application(app_id)
        application.flag_for_review("the worker stopped during submission")
        jobraker.save(application)
        record_outcome(jobraker, SkyvernRun.model_validate(skyvern.run_body(run_id, "completed", output=None)))
    application = jobraker.get_application(app_id)
    assert application.status is Status.UNVERIFIED and not application.submitted_once


def test_dry_runs_stay_labelled_dry_run(jobraker, projector):
    from jobraker.appliers.models import SubmissionRecord
    from jobraker.appliers.skyvern import DryRunApplier

    app_id = queued_application(jobraker)
    submit(jobraker, app_id, DryRunApplier(), HOOK)
    projector.catch_up()
    record = SubmissionRecord.objects.get(application_id=app_id)
    assert (record.applier, record.verification, record.dry_run) == ("dry-run", "dry_run", True)


def test_erasing_the_candidate_drops_their_submission_rows(jobraker, projector):
    from jobraker.appliers.models import SubmissionRecord
    from jobraker.privacy.erasure import erase_candidate

    with FakeSkyvern() as skyvern:
        app_id, run_id = _sent(jobraker, skyvern)
        record_outcome(jobraker, SkyvernRun.model_validate(skyvern.run_body(run_id, "completed", output="")))
    projector.catch_up()
    assert SubmissionRecord.objects.filter(application_id=app_id).exists()
    erase_candidate(jobraker, jobraker.get_application(app_id).candidate_id, by="staff")
    projector.catch_up()
    assert not SubmissionRecord.objects.filter(application_id=app_id).exists()


def test_submissions_sent_before_the_applier_field_read_back_as_skyvern(jobraker):
    """Events stored by the first version (no ``applier``) are upcast when read."""
    from eventsourcing.persistence import StoredEvent

    with FakeSkyvern() as skyvern:
        app_id, _ = _sent(jobraker, skyvern)
    [stored] = [s for s in jobraker.recorder.select_events(app_id) if s.topic.endswith("SubmissionSent")]
    state = json.loads(stored.state)
    del state["applier"], state["class_version"]
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())
    assert jobraker.mapper.to_domain_event(old).applier == "skyvern"


def test_the_data_export_holds_the_submission_and_why_it_is_unverified(jobraker, projector):
    import io
    import zipfile
    from uuid import uuid4

    from jobraker.privacy.export import build_export, open_export
    from jobraker.privacy.models import DataExport

    with FakeSkyvern() as skyvern:
        app_id, run_id = _sent(jobraker, skyvern)
        record_outcome(jobraker, SkyvernRun.model_validate(skyvern.run_body(run_id, "completed", output={"x": 1})))
    projector.catch_up()
    candidate_id = jobraker.get_application(app_id).candidate_id
    export = DataExport.objects.create(id=uuid4(), candidate_id=candidate_id, requested_by="candidate")
    archive = zipfile.ZipFile(io.BytesIO(open_export(jobraker, build_export(jobraker, export.id))))
    [row] = json.loads(archive.read("export.json"))["read_models"]["submissions"]
    assert (row["id"], row["applier"], row["verification"]) == (str(app_id), "skyvern", "unverified")
    assert "no confirmation" in row["reason"]


CONFIRMED_ELSEWHERE = {
    "de": "Vielen Dank für Ihre Bewerbung! Wir melden uns in Kürze.",
    "de2": "Ihre Bewerbung wurde erfolgreich übermittelt.",
    "fr": "Votre candidature a bien été envoyée.",
    "fr2": "Merci pour votre candidature chez Acme.",
    "es": "¡Gracias por tu solicitud! La revisaremos pronto.",
    "es2": "Tu candidatura ha sido enviada.",
    "it": "Grazie per la tua candidatura.",
    "it2": "La tua candidatura è stata inviata.",
    "nl": "Bedankt voor je sollicitatie.",
    "nl2": "Uw sollicitatie is ontvangen.",
    "pt": "Obrigado pela sua candidatura.",
    "pt2": "Sua candidatura foi enviada com sucesso.",
}
DENIED_ELSEWHERE = {
    "de": "Vielen Dank für Ihre Bewerbung, sie konnte nicht übermittelt werden.",
    "fr": "Votre candidature n'a pas pu être envoyée.",
    "es": "Gracias por tu solicitud, pero no se pudo enviar: error al enviar.",
    "it": "Grazie per la tua candidatura: invio non riuscito.",
    "nl": "Bedankt voor je sollicitatie; het versturen is mislukt.",
    "pt": "Obrigado pela sua candidatura, mas falha ao enviar.",
}


def test_confirmations_are_recognised_in_the_seven_languages_jobraker_searches():
    for language, text in CONFIRMED_ELSEWHERE.items():
        assert verify({"page_text": text}).confirmed, language
        assert verify(text).confirmed, language
    for language, text in DENIED_ELSEWHERE.items():
        assert not verify({"page_text": text}).confirmed, language


def test_the_structured_extraction_is_read_before_any_phrase():
    # The extraction says it was not submitted: no phrase on the page overrules that.
    assert not verify({"submitted": False, "page_text": "Vielen Dank für Ihre Bewerbung"}).confirmed
    # A confirmation number in the extraction counts even on a page without any known phrase.
    verdict = verify({"submitted": True, "confirmation_number": "REF-99", "page_text": "Ďakujeme"})
    assert verdict.confirmed and verdict.evidence == "confirmation_number: REF-99"
