from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from jobraker.domain.application import Status
from jobraker.domain.candidate import (
    CONSENT_KINDS,
    CONTRACT_CHOICES,
    HOURS_CHOICES,
    MAX_DAILY_CAP,
    MAX_RADIUS_KM,
    MAX_SALARY,
    REMOTE_CHOICES,
)
from jobraker.domain.commands.applications import CANDIDATE_ACTIONS
from jobraker.domain.iso_codes import known_country, known_currency
from jobraker.domain.job import TRACKED_SOURCE
from jobraker.domain.safe_url import MAX_LENGTH as MAX_URL_LENGTH
from jobraker.domain.safe_url import UnsafeUrl
from jobraker.privacy.sealed_fields import SealedJSONField, SealedTextField
from jobraker.projections.json_format import HIDDEN_JOB_FIELDS
from jobraker.projections.models import ApplicationRecord, CandidateRecord, JobRecord, TimelineEntry
from jobraker.public_urls import check_public_url


class SafeURLField(serializers.URLField):
    """A URL that may reach Skyvern or a person: http(s), no credentials, public host
    (``jobraker.domain.safe_url``, resolving the name). Refused with the field's name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_URL_LENGTH, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data)
        try:
            return check_public_url(url, field=self.field_name or "url")
        except UnsafeUrl as exc:
            raise serializers.ValidationError(str(exc), code="unsafe_url") from None

# Sealed read-model columns are text in the database and plain values once read: a sealed JSON
# column is JSON in the API, a sealed text column a string (privacy/sealed_fields.py).
serializers.ModelSerializer.serializer_field_mapping[SealedJSONField] = serializers.JSONField
serializers.ModelSerializer.serializer_field_mapping[SealedTextField] = serializers.CharField


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class RegistrationSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, trim_whitespace=True)
    password = serializers.CharField(write_only=True, min_length=8, max_length=256, style={"input_type": "password"})

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value


class CommandAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False)
    position = serializers.IntegerField(help_text="Event position; send as X-Min-Position to read your write.")


class CurrencyCodeField(serializers.RegexField):
    """An ISO 4217 code that exists (pycountry's table), not just three capitals."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(r"^[A-Z]{3}$", **kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data)
        if not known_currency(code):
            raise serializers.ValidationError(f"{code} is not an ISO 4217 currency code.")
        return code


class CountryCodeField(serializers.RegexField):
    """An ISO 3166-1 alpha-2 code that exists ("uk" is taken for gb, as job boards write it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(r"^[A-Za-z]{2}$", **kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data)
        if not known_country(code):
            raise serializers.ValidationError(f"{code} is not an ISO 3166 country code.")
        return code


def _names(max_items: int) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=100), max_length=max_items, required=False)


class ProfileSerializer(StrictSerializer):
    headline = serializers.CharField(max_length=200, allow_blank=True, required=False)
    skills = _names(50)
    years_experience = serializers.IntegerField(min_value=0, max_value=70, required=False)
    locations = _names(20)
    remote = serializers.ChoiceField(REMOTE_CHOICES, required=False)
    salary_floor = serializers.IntegerField(min_value=0, max_value=MAX_SALARY, allow_null=True, required=False)
    salary_currency = CurrencyCodeField(required=False)
    hours = serializers.ChoiceField(HOURS_CHOICES, required=False)
    contract = serializers.ChoiceField(CONTRACT_CHOICES, required=False)
    radius_km = serializers.IntegerField(min_value=1, max_value=MAX_RADIUS_KM, allow_null=True, required=False,
                                         help_text="Also jobs this close to a city you named (where the listing has coordinates).")
    remote_strict = serializers.BooleanField(required=False, help_text="Remove jobs of another work mode instead of "
                                             "ranking them lower.")


class PreferencesSerializer(StrictSerializer):
    keywords = _names(50)
    avoid_keywords = _names(50)
    excluded_companies = _names(50)
    countries = serializers.ListField(child=CountryCodeField(), max_length=20, required=False)


class AutoApplySerializer(StrictSerializer):
    enabled = serializers.BooleanField(required=False)
    min_score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    daily_cap = serializers.IntegerField(min_value=1, max_value=MAX_DAILY_CAP, required=False)


class ConsentSerializer(StrictSerializer):
    kind = serializers.ChoiceField(CONSENT_KINDS)
    version = serializers.CharField(max_length=32)


class ModelFieldsOnce:
    """A ModelSerializer whose fields are built from the model once per class, not per instance.

    Building them (model introspection, labels, validators) was most of the cost of serializing
    one row: about 5 ms per job in a matches response of 20 jobs. Each serializer still gets its
    own copies (DRF binds a field to its parent), made the way DRF copies declared fields."""

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        prototypes = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()  # type: ignore[misc]
            cls._field_prototypes = prototypes  # type: ignore[attr-defined]
        return copy.deepcopy(prototypes)


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CandidateRecord
        fields = [
            "id", "email", "address_verified", "name", "registered_at", "profile", "preferences", "consents",
            "auto_apply", "resume", "is_active", "version",
        ]


class JobSerializer(ModelFieldsOnce, serializers.ModelSerializer):
    class Meta:
        model = JobRecord
        exclude = list(HIDDEN_JOB_FIELDS)


class JobListingSerializer(StrictSerializer):
    """A listing staff post by hand (ingestion from sources comes with the workers)."""

    source = serializers.RegexField(r"^[a-z0-9_-]{1,32}$", default="manual")
    external_id = serializers.CharField(max_length=128)
    title = serializers.CharField(max_length=300)
    company = serializers.CharField(max_length=300)
    location = serializers.CharField(max_length=300, allow_blank=True, required=False)
    country = CountryCodeField(required=False)
    description = serializers.CharField(max_length=50_000, allow_blank=True, required=False)
    url = SafeURLField(required=False)
    salary_min = serializers.FloatField(min_value=0, max_value=MAX_SALARY, allow_null=True, required=False)
    salary_max = serializers.FloatField(min_value=0, max_value=MAX_SALARY, allow_null=True, required=False)
    salary_currency = CurrencyCodeField(required=False)
    salary_is_predicted = serializers.BooleanField(required=False)
    contract_type = serializers.ChoiceField(["permanent", "contract", ""], required=False)
    contract_time = serializers.ChoiceField(["full_time", "part_time", ""], required=False)
    remote = serializers.BooleanField(required=False)
    posted_at = serializers.DateTimeField(required=False)
    location_area = serializers.ListField(child=serializers.CharField(max_length=100), max_length=10, required=False,
                                          help_text="The place from broad to narrow: country, region, county, town.")
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    longitude = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, required=False)

    def validate_source(self, value: str) -> str:
        if value == TRACKED_SOURCE:
            raise serializers.ValidationError("tracked is kept for candidates' own tracked jobs; name the real source.")
        return value


class JobQuerySerializer(StrictSerializer):
    q = serializers.CharField(max_length=200, required=False)
    location = serializers.CharField(max_length=100, required=False)
    remote = serializers.BooleanField(required=False, allow_null=True, default=None)
    salary_min = serializers.IntegerField(min_value=0, max_value=MAX_SALARY, required=False)
    contract_type = serializers.ChoiceField(["permanent", "contract"], required=False)
    contract_time = serializers.ChoiceField(["full_time", "part_time"], required=False)
    posted_since = serializers.DateTimeField(required=False)
    include_expired = serializers.BooleanField(required=False, default=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)


class TimelineEntrySerializer(ModelFieldsOnce, serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["version", "kind", "action", "status", "by", "at", "detail"]


class ApplicationSerializer(ModelFieldsOnce, serializers.ModelSerializer):
    job = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationRecord
        fields = ["id", "candidate_id", "job_id", "job", "source", "status", "score", "notes", "created_at", "updated_at", "submitted_at",
                  "skip_reason", "version"]
        extra_kwargs = {"skip_reason": {"help_text": "why Jobraker is not sending this match (a code: suggest_mode, no_consent, "
                                        "below_score, excluded_company, strict_filters, company_limit, daily_cap, needs_input, "
                                        "inactive, cannot_prepare); empty when it is on its way or was never to be sent"}}

    def get_job(self, record: ApplicationRecord) -> dict[str, Any] | None:
        jobs = self.context.get("jobs", {})
        job = jobs.get(record.job_id)
        return {"title": job.title, "company": job.company, "url": job.url} if job else None


class ApplicationDetailSerializer(ApplicationSerializer):
    timeline = serializers.SerializerMethodField()
    submission = serializers.SerializerMethodField(
        help_text="How it was sent (applier: skyvern, sandbox or dry-run) and whether the employer's site "
        "confirmed it (verification, with the reason when unverified); what Skyvern reported at the end of the run "
        "(run_status, error_code, recording_url, screenshot_urls, app_url); null until something is sent."
    )

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "timeline", "submission"]

    def get_submission(self, record: ApplicationRecord) -> dict[str, Any] | None:
        from jobraker.appliers.models import SubmissionRecord

        sent = SubmissionRecord.objects.filter(application_id=record.id).first()
        if sent is None:
            return None
        return {"applier": sent.applier, "sandbox": sent.applier == "sandbox", "dry_run": sent.dry_run,
                "run_id": sent.run_id, "verification": sent.verification, "reason": sent.reason, "sent_at": sent.sent_at,
                "run_status": sent.run_status, "error_code": sent.error_code, "recording_url": sent.recording_url,
                "screenshot_urls": sent.screenshot_urls, "app_url": sent.app_url}

    def get_timeline(self, record: ApplicationRecord) -> list[dict[str, Any]]:
        entries = TimelineEntry.objects.filter(aggregate_id=record.id).order_by("version")
        return TimelineEntrySerializer(entries, many=True).data


class ManualApplicationSerializer(StrictSerializer):
    """Track an application: to a known job by ``job_id``, or to one described here."""

    job_id = serializers.UUIDField(required=False)
    title = serializers.CharField(max_length=300, required=False)
    company = serializers.CharField(max_length=300, required=False)
    url = SafeURLField(required=False)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    applied = serializers.BooleanField(default=True, help_text="True if you already applied; false to shortlist it.")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "job_id" not in data and not ({"title", "company"} <= set(data)):
            raise serializers.ValidationError("Give either job_id, or title and company (and ideally url).")
        return data


class TransitionSerializer(StrictSerializer):
    action = serializers.ChoiceField(sorted(CANDIDATE_ACTIONS))
    at = serializers.DateTimeField(required=False, help_text="Interview date and time (schedule_interview only).")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["action"] == "schedule_interview" and "at" not in data:
            raise serializers.ValidationError({"at": ["Required for schedule_interview."]})
        if data["action"] != "schedule_interview" and "at" in data:
            raise serializers.ValidationError({"at": ["Only schedule_interview takes a date."]})
        return data


class NoteSerializer(StrictSerializer):
    text = serializers.CharField(max_length=5000)


class ApplicationQuerySerializer(StrictSerializer):
    status = serializers.ChoiceField([s.value for s in Status], required=False)
    company = serializers.CharField(max_length=100, required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)
