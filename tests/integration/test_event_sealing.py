"""Every event field that can carry text derived from a person is sealed, or is on a declared
allow-list with the reason it cannot (issue 12). Walks every event class of every aggregate
in jobraker.domain, so a new event or field is checked the day it is written."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
import typing
from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

import jobraker.domain
from jobraker.domain.application import Actor, Application
from jobraker.domain.personal import ERASED, PersonalData

from ..conftest import unique_email
from .test_personal_data import raw_event_rows

# Fields every event has from eventsourcing itself.
FRAMEWORK_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
# Types that cannot hold text at all: ids, numbers, flags, times (and None).
TEXTLESS = {UUID, int, float, bool, datetime, type(None)}

# Fields that are text-capable (str, dict, list) yet hold nothing derived from a person.
# Each entry: (aggregate.Event, field) → why it is safe. Keep it short; prefer sealing.
SAFE_TEXT_FIELDS: dict[str, str] = {
    "Job.Expired.reason": "written by Jobraker, never by a person: why a listing expired (its source stopped returning it, retention, posting closed)",
    "Job.Tracked.source": "always TRACKED_SOURCE (Job.track)",
    "Job.Tracked.external_id": "the tracked job's own random-looking id (hex of its uuid)",
    "Job.Tracked.country": "always empty: Job.track keeps only title, company, location and url (sealed)",
    "Job.Tracked.description": "always empty (Job.track)",
    "Job.Tracked.salary_currency": "always empty (Job.track)",
    "Job.Tracked.contract_type": "always empty (Job.track)",
    "Job.Tracked.contract_time": "always empty (Job.track)",
    "StaffAction.Recorded.role": "enum Role of the staff account",
    "StaffAction.Recorded.action": "a fixed action name (retry_dead_letters | drop_dead_letters)",
    "StaffAction.Recorded.target": "a Dramatiq queue name",
    "Candidate.BoardFollowed.source": "one of BOARD_SOURCES (greenhouse | lever | ashby)",
    "Candidate.BoardUnfollowed.source": "one of BOARD_SOURCES (greenhouse | lever | ashby)",
    "Application.Started.source": "enum Source (matched | manual)",
    "Application.Started.status": "enum Status",
    "Application.Started.model": "name of the embedding model, from configuration",
    "Application.Started.by": "enum Actor",
    "Application.StatusChanged.action": "key of TRANSITIONS",
    "Application.StatusChanged.status": "enum Status",
    "Application.StatusChanged.by": "enum Actor",
    "Application.SubmissionSent.run_id": "the applier's run id (Skyvern/sandbox), an opaque id",
    "Application.SubmissionSent.applier": "one of skyvern | sandbox | dry-run",
    "Application.RunReported.run_id": "the applier's run id (Skyvern/sandbox), an opaque id",
    "Application.RunReported.run_status": "one of Skyvern's terminal run statuses (appliers/skyvern.TERMINAL): recorded only then",
    "Application.RunReported.error_code": "a key of appliers/outcomes.OUTCOMES (our error_code_mapping codes), or empty",
    "Application.SubmissionPrepared.automation": "AutoApplySettings.effective(): mode, strategy, numbers, flag names",
    "Application.NoteAdded.by": "enum Actor",
    "Application.MailReceived.kind": "one of MAIL_KINDS, the class inbox/classify.py gave the mail",
    "Application.MailReceived.proposed": "a key of TRANSITIONS (MAIL_MOVES), or empty",
    "Application.MailReceived.read_by": "one of MAIL_READERS: the rules or the chat model",
    "Application.CoverLetterReviewed.model": "chat model name, from configuration",
    "Application.SendSkipped.skip_reason": "one of policy.SKIP_REASONS (Application.skip_sending refuses anything else)",
    "Candidate.ConsentGiven.kind": "one of CONSENT_KINDS",
    "Candidate.ConsentWithdrawn.kind": "one of CONSENT_KINDS",
    "Candidate.AutoApplySettingsChanged.mode": "one of the automation MODES",
    "Candidate.AutoApplySettingsChanged.strategy": "one of the STRATEGIES",
    "Candidate.ResumeUploaded.content_type": "sniffed from the file's bytes: one of the supported MIME types",
    "Candidate.ExportRequested.by": "candidate | staff",
    "Candidate.ErasureRequested.by": "candidate | staff",
    "JobAlert.Created.frequency": "one of FREQUENCIES",
    "JobAlert.Changed.frequency": "one of FREQUENCIES",
    "JobAlert.Unsubscribed.via": "api | link",
    "Conversation.MessagePosted.speaker": "enum Speaker",
    "Conversation.MessagePosted.tool_call_id": "the model's opaque id of a tool call",
    "Conversation.TokensUsed.model": "chat model name, from configuration",
    "Conversation.TurnFailed.reason": "a ModelUnavailable reason code such as rate_limited",
    "DataAccess.Recorded.role": "enum Role of the reader (staff | auditor)",
    "DataAccess.Recorded.what": "what was read, built from constants and stream ids (api/audit_views.py)",
    "Notification.Sent.kind": "notification kind, a constant of the sender",
    "Notification.Sent.link": "an API path built from ids (/api/v1/applications/<id>)",
    # Listings come from the job source (Adzuna) or from staff, and are public data. A listing a
    # candidate enters for a manual application (source "manual") is the known exception, listed in
    # docs/architecture.md "What is sealed where" as not yet sealed.
    **{f"Job.Posted.{name}": "source listing data (public job advert)" for name in (
        "source", "external_id", "title", "company", "location", "country", "description", "url",
        "salary_currency", "contract_type", "contract_time", "location_area",
    )},
    "Job.Changed.changes": "source listing data: the listing fields that changed",
}


def _aggregates() -> list[type[Aggregate]]:
    found: dict[str, type[Aggregate]] = {}
    for module_info in pkgutil.iter_modules(jobraker.domain.__path__):
        module = importlib.import_module(f"jobraker.domain.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Aggregate) and value is not Aggregate and value.__module__ == module.__name__:
                found[value.__qualname__] = value
    return sorted(found.values(), key=lambda cls: cls.__qualname__)


def _event_classes() -> list[type]:
    return [
        value
        for aggregate in _aggregates()
        for value in vars(aggregate).values()
        if inspect.isclass(value) and issubclass(value, CanMutateAggregate) and value.__qualname__.startswith(aggregate.__qualname__ + ".")
    ]


def _is_sealed(hint: object) -> bool:
    return any(isinstance(m, PersonalData) for m in getattr(hint, "__metadata__", ()))


def _can_hold_text(hint: object) -> bool:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_can_hold_text(arg) for arg in typing.get_args(hint))
    return hint not in TEXTLESS


def _fields(event_class: type) -> dict[str, object]:
    hints = typing.get_type_hints(event_class, include_extras=True)
    return {
        name: hint for name, hint in hints.items()
        if name not in FRAMEWORK_FIELDS and typing.get_origin(hint) is not typing.ClassVar
    }


def test_the_walk_finds_every_aggregate_and_its_events():
    names = {cls.__qualname__ for cls in _event_classes()}
    assert {cls.__name__ for cls in _aggregates()} >= {
        "Application", "Candidate", "Conversation", "Job", "JobAlert", "Notification", "NotificationSettings",
    }
    assert {"Application.Started", "Candidate.Registered", "Conversation.MessagePosted", "Notification.Sent"} <= names


def test_every_text_field_of_every_event_is_sealed_or_declared_safe():
    unsealed = [
        f"{event_class.__qualname__}.{name}"
        for event_class in _event_classes()
        for name, hint in _fields(event_class).items()
        if not _is_sealed(hint) and _can_hold_text(hint) and f"{event_class.__qualname__}.{name}" not in SAFE_TEXT_FIELDS
    ]
    assert unsealed == [], f"seal these fields (Personal[...]) or declare why they are safe: {unsealed}"


def test_the_allow_list_names_only_existing_unsealed_fields():
    existing = {
        f"{event_class.__qualname__}.{name}": hint
        for event_class in _event_classes()
        for name, hint in _fields(event_class).items()
    }
    stale = [entry for entry in SAFE_TEXT_FIELDS if entry not in existing or _is_sealed(existing[entry])]
    assert stale == []
    assert all(reason.strip() for reason in SAFE_TEXT_FIELDS.values())


def test_the_check_catches_an_unsealed_text_field():
    """Positive control: the rule flags a text field, passes a sealed one and an id."""

    class Probe(Aggregate):
        class Said(Aggregate.Event):
            words: str
            sealed: jobraker.domain.personal.Personal[str]
            who: UUID | None

    hints = _fields(Probe.Said)
    assert _can_hold_text(hints["words"]) and not _is_sealed(hints["words"])
    assert _is_sealed(hints["sealed"])
    assert not _can_hold_text(hints["who"])


def _started_with_explanation(jobraker, skills: list[str]) -> tuple[UUID, UUID]:
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Explained Person", "h")
    job_id, _ = jobraker.post_job(
        source="adzuna", external_id=uuid4().hex, title="Engineer", company="Acme", location="Leeds", country="gb",
        description="Build things", url="https://example.org/job",
    )
    explanation = {"matched_skills": skills[:1], "missing_skills": skills[1:], "model": "local"}
    application_id, _ = jobraker.shortlist_match(candidate_id, job_id, 80, "local", explanation, Actor.SYSTEM)
    return candidate_id, application_id


def test_the_explanation_of_a_match_is_sealed_at_rest(jobraker):
    skills = ["Zyxwvut-Cobol", "Qqrst-Fortran"]
    candidate_id, application_id = _started_with_explanation(jobraker, skills)
    stored = raw_event_rows(jobraker, application_id)[0]
    assert b"__sealed__" in stored
    for skill in skills:
        assert skill.encode() not in stored
    assert jobraker.get_application(application_id).explanation["missing_skills"] == skills[1:]
    jobraker.mapper.keyring.destroy(candidate_id)
    assert jobraker.get_application(application_id).explanation is ERASED


def test_an_old_started_event_with_a_plaintext_explanation_still_loads(jobraker):
    """Events written before the explanation was sealed hold it in plaintext; they load as they are."""
    application_id, candidate_id, job_id = uuid4(), uuid4(), uuid4()
    state = {
        "candidate_id": candidate_id, "job_id": job_id, "source": "matched", "status": "matched",
        "score": 77, "model": "local", "explanation": {"matched_skills": ["old-skill"], "missing_skills": []},
        "by": "system", "timestamp": datetime(2025, 1, 1, tzinfo=UTC), "originator_topic": get_topic(Application),
    }
    stored = StoredEvent(
        originator_id=application_id, originator_version=1, topic=get_topic(Application.Started),
        state=jobraker.mapper.transcoder.encode(state),
    )
    jobraker.recorder.insert_events([stored])
    application = jobraker.get_application(application_id)
    assert application.explanation == {"matched_skills": ["old-skill"], "missing_skills": []}
    assert application.score == 77


def test_the_consent_version_is_sealed(jobraker):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Consenting Person", "h")
    jobraker.give_consent(candidate_id, "terms", "v-Kqzpwx-7")
    rows = raw_event_rows(jobraker, candidate_id)
    assert all(b"v-Kqzpwx-7" not in row for row in rows)
    assert jobraker.get_candidate(candidate_id).consents["terms"].version == "v-Kqzpwx-7"
