"""Jobraker's configuration, read once from the environment and validated.

Every setting has one name in the environment (see the README's table). In
development, secrets that are missing are generated once and kept in the data
folder so that restarts keep the same keys; in production
(``JOBRAKER_ENV=production``) a missing secret stops start-up with a message
that names it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRETS_FILE = "secrets.json"

# Secrets generated in development when absent: name in the environment → generator.
GENERATED_SECRETS = {
    "JOBRAKER_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "JOBRAKER_MASTER_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "JOBRAKER_BLIND_INDEX_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
}


OWASP_ARGON2_MEMORY_KIB = 19_456  # with 2 passes: OWASP's least Argon2id cost for passwords


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def _env(name: str, *more: str) -> AliasChoices:
    return AliasChoices(name, *more)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True)

    env: Literal["development", "production"] = Field(
        "development", validation_alias=_env("JOBRAKER_ENV")
    )
    data_dir: Path = Field(Path(".jobraker"), validation_alias=_env("JOBRAKER_DATA_DIR"))
    host: str = Field("127.0.0.1", validation_alias=_env("JOBRAKER_HOST"))
    port: int = Field(8000, ge=1, le=65535, validation_alias=_env("JOBRAKER_PORT"))
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"],
        validation_alias=_env("JOBRAKER_ALLOWED_HOSTS"),
    )
    log_level: str = Field("INFO", validation_alias=_env("JOBRAKER_LOG_LEVEL"))
    retention_inactive_days: int = Field(730, ge=1, validation_alias=_env("JOBRAKER_RETENTION_INACTIVE_DAYS"))
    retention_job_days: int = Field(60, ge=1, validation_alias=_env("JOBRAKER_RETENTION_JOB_DAYS"))
    cors_origins: list[str] = Field(default_factory=list, validation_alias=_env("JOBRAKER_CORS_ORIGINS"))
    static_root: Path | None = Field(None, validation_alias=_env("JOBRAKER_STATIC_ROOT"))
    # Reverse proxies in front of Jobraker that append to X-Forwarded-For; 0 = the header is never
    # believed and the socket's address is the client's (anyone can send the header).
    trusted_proxies: int = Field(0, ge=0, le=10, validation_alias=_env("JOBRAKER_TRUSTED_PROXIES"))
    # Long-lived streams (notifications, assistant answers) hold a server thread each: at most this
    # many per candidate across all servers, and at most this share of one server process's threads.
    streams_per_candidate: int = Field(3, ge=1, le=100, validation_alias=_env("JOBRAKER_STREAMS_PER_CANDIDATE"))
    stream_thread_share: float = Field(0.5, gt=0, lt=1, validation_alias=_env("JOBRAKER_STREAM_THREAD_SHARE"))

    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))

    secret_key: SecretStr | None = Field(None, validation_alias=_env("JOBRAKER_SECRET_KEY"))
    master_key: SecretStr | None = Field(None, validation_alias=_env("JOBRAKER_MASTER_KEY"))
    # Keys the e-mail blind index (login lookup, address reservations). Its own secret, not derived
    # from the master key, so that rotating key-encryption keys never changes an address's index.
    blind_index_key: SecretStr | None = Field(None, validation_alias=_env("JOBRAKER_BLIND_INDEX_KEY"))
    # How long an address-verification link stays valid.
    verification_link_hours: float = Field(
        48.0, gt=0, le=24 * 30, validation_alias=_env("JOBRAKER_VERIFICATION_LINK_HOURS")
    )
    # Key-encryption keys from a secret manager ("id:base64,..."; the highest id is current).
    # Unset: Jobraker keeps and rotates them in <data dir>/keks.json (docs/security.md).
    keks: SecretStr | None = Field(None, validation_alias=_env("JOBRAKER_KEKS"))

    adzuna_app_id: str | None = Field(None, validation_alias=_env("ADZUNA_APP_ID"))
    adzuna_app_key: SecretStr | None = Field(None, validation_alias=_env("ADZUNA_APP_KEY"))
    adzuna_base_url: str = Field("https://api.adzuna.com/v1/api", validation_alias=_env("ADZUNA_BASE_URL"))
    # Employers' job boards (sources/boards/): public APIs, no keys. Overridable for tests and proxies.
    greenhouse_base_url: str = Field("https://boards-api.greenhouse.io", validation_alias=_env("JOBRAKER_GREENHOUSE_BASE_URL"))
    lever_base_url: str = Field("https://api.lever.co", validation_alias=_env("JOBRAKER_LEVER_BASE_URL"))
    ashby_base_url: str = Field("https://api.ashbyhq.com", validation_alias=_env("JOBRAKER_ASHBY_BASE_URL"))
    # Calls per minute to each board API across all workers (they publish no limit; be polite).
    board_calls_per_minute: int = Field(30, ge=1, le=6000, validation_alias=_env("JOBRAKER_BOARD_CALLS_PER_MINUTE"))
    # Inbox sync (inbox/): a candidate's IMAP host must be public unless this is set (tests, sandbox).
    inbox_private_hosts: bool = Field(False, validation_alias=_env("JOBRAKER_INBOX_PRIVATE_HOSTS"))
    # Forwarding addresses (inbox/forwarding.py): <random>@<domain>, received by `jobraker inbound-mail`
    # on this port (0: not run); `jobraker up` runs it on a free loopback port.
    inbound_mail_domain: str = Field("inbox.localhost", validation_alias=_env("JOBRAKER_INBOUND_MAIL_DOMAIN"))
    inbound_smtp_host: str = Field("127.0.0.1", validation_alias=_env("JOBRAKER_INBOUND_SMTP_HOST"))
    inbound_smtp_port: int = Field(0, ge=0, le=65535, validation_alias=_env("JOBRAKER_INBOUND_SMTP_PORT"))
    skyvern_api_key: SecretStr | None = Field(None, validation_alias=_env("SKYVERN_API_KEY"))
    skyvern_base_url: str = Field(
        "https://api.skyvern.com", validation_alias=_env("SKYVERN_BASE_URL")
    )
    # Set by `jobraker up` when it runs the Skyvern sandbox (no SKYVERN_API_KEY): labels submissions "sandbox".
    skyvern_sandbox: bool = Field(False, validation_alias=_env("JOBRAKER_SKYVERN_SANDBOX"))
    # skyvern-1.0 never extracts for a run started with a url (output null): 2.0 reports the confirmation.
    skyvern_engine: Literal["skyvern-1.0", "skyvern-2.0"] = Field("skyvern-2.0", validation_alias=_env("JOBRAKER_SKYVERN_ENGINE"))
    sandbox_skyvern_delay: float = Field(3.0, ge=0, le=3600, validation_alias=_env("JOBRAKER_SANDBOX_SKYVERN_DELAY"))
    # Skyvern runs at once across all workers; a slot whose worker died is freed after its lease,
    # which a live worker renews every third of it while its call to Skyvern lasts (appliers/leases.py).
    skyvern_concurrency: int = Field(5, ge=1, le=1000, validation_alias=_env("JOBRAKER_SKYVERN_CONCURRENCY"))
    skyvern_slot_lease_seconds: float = Field(20.0, gt=0, validation_alias=_env("JOBRAKER_SKYVERN_SLOT_LEASE_SECONDS"))
    # Recovery after a crash (docs/chaos.md): a submission's lease, renewed by its live worker; an
    # application left submitting with no run id and no live lease goes to review. The scheduler's
    # reconcilers (stuck submissions, silent runs, queued applications) run this often.
    submission_lease_seconds: float = Field(45.0, gt=0, validation_alias=_env("JOBRAKER_SUBMISSION_LEASE_SECONDS"))
    reconcile_every_seconds: float = Field(10.0, gt=0, validation_alias=_env("JOBRAKER_RECONCILE_EVERY_SECONDS"))
    # A queued application no worker has taken up (or promised to retry) for this long is sent again.
    queued_pickup_seconds: float = Field(30.0, gt=0, validation_alias=_env("JOBRAKER_QUEUED_PICKUP_SECONDS"))
    # A run's webhook is missed when it has not come this long after Skyvern accepted the run: from
    # then on Jobraker asks Skyvern (GET /v1/runs/{id}), waiting twice as long after each
    # unfinished answer, up to the ceiling.
    skyvern_webhook_deadline_seconds: float = Field(
        60.0, gt=0, validation_alias=_env("JOBRAKER_SKYVERN_WEBHOOK_DEADLINE_SECONDS")
    )
    skyvern_poll_max_seconds: float = Field(600.0, gt=0, validation_alias=_env("JOBRAKER_SKYVERN_POLL_MAX_SECONDS"))
    # A resume file uploaded for a run is deleted from Skyvern this long after the run ended.
    skyvern_file_grace_seconds: float = Field(600.0, ge=0, le=86400, validation_alias=_env("JOBRAKER_SKYVERN_FILE_GRACE_SECONDS"))
    # Dramatiq's Redis broker: a worker silent this long is dead and its unacknowledged messages
    # are requeued, checked on that share (per million) of broker commands. Dramatiq's defaults.
    broker_heartbeat_timeout_ms: int = Field(60_000, ge=1000, validation_alias=_env("JOBRAKER_BROKER_HEARTBEAT_TIMEOUT_MS"))
    broker_maintenance_chance: int = Field(
        1000, ge=0, le=1_000_000, validation_alias=_env("JOBRAKER_BROKER_MAINTENANCE_CHANCE")
    )
    # A message a live worker still holds this long after it was due is put back (workers/orphans.py).
    broker_orphan_after_seconds: float = Field(
        1800.0, gt=0, validation_alias=_env("JOBRAKER_BROKER_ORPHAN_AFTER_SECONDS")
    )
    # ... and a delayed message (a worker moves a due one to its queue within a second).
    broker_delayed_orphan_after_seconds: float = Field(
        120.0, gt=0, validation_alias=_env("JOBRAKER_BROKER_DELAYED_ORPHAN_AFTER_SECONDS")
    )
    public_url: str = Field("http://127.0.0.1:8000", validation_alias=_env("JOBRAKER_PUBLIC_URL"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    embedding_provider: Literal["local", "openai"] = Field(
        "local", validation_alias=_env("JOBRAKER_EMBEDDING_PROVIDER")
    )
    embedding_model: str | None = Field(None, validation_alias=_env("JOBRAKER_EMBEDDING_MODEL"))
    # Chat assistant (OPENAI_API_KEY and/or OPENAI_BASE_URL switch it on; see docs/assistant.md).
    chat_model: str = Field("gpt-4o-mini", min_length=1, validation_alias=_env("JOBRAKER_CHAT_MODEL"))
    # A mail the inbox rules cannot place goes to the chat model (when configured) for a proposal.
    inbox_model_opinion: bool = Field(True, validation_alias=_env("JOBRAKER_INBOX_MODEL_OPINION"))
    chat_token_budget: int = Field(200_000, ge=1, validation_alias=_env("JOBRAKER_CHAT_TOKEN_BUDGET"))
    chat_max_tool_rounds: int = Field(5, ge=1, le=20, validation_alias=_env("JOBRAKER_CHAT_MAX_TOOL_ROUNDS"))
    chat_max_retries: int = Field(2, ge=0, le=10, validation_alias=_env("JOBRAKER_CHAT_MAX_RETRIES"))
    chat_timeout_seconds: float = Field(60.0, gt=0, validation_alias=_env("JOBRAKER_CHAT_TIMEOUT_SECONDS"))
    # Cover letters, written by the chat model and checked by the fabrication guard (only with a chat model).
    cover_letters: bool = Field(True, validation_alias=_env("JOBRAKER_COVER_LETTERS"))
    # Approve mode: how long a prepared submission waits for the candidate before it is dropped.
    approval_window_hours: float = Field(72.0, gt=0, le=24 * 30, validation_alias=_env("JOBRAKER_APPROVAL_WINDOW_HOURS"))

    # Notifications: e-mail, digests, reminders, the projection-lag watchdog.
    # "outbox" (the default without SMTP) writes each mail to a file under the data folder;
    # "console" is kept as another name for it: printing mail would put addresses in the logs.
    email_backend: Literal["outbox", "console", "smtp", "locmem", "dummy"] | None = Field(
        None, validation_alias=_env("JOBRAKER_EMAIL_BACKEND")
    )
    email_host: str | None = Field(None, validation_alias=_env("EMAIL_HOST"))
    email_port: int = Field(25, ge=1, le=65535, validation_alias=_env("EMAIL_PORT"))
    email_host_user: str = Field("", validation_alias=_env("EMAIL_HOST_USER"))
    email_host_password: SecretStr | None = Field(None, validation_alias=_env("EMAIL_HOST_PASSWORD"))
    email_use_tls: bool = Field(False, validation_alias=_env("EMAIL_USE_TLS"))
    email_use_ssl: bool = Field(False, validation_alias=_env("EMAIL_USE_SSL"))
    email_from: str = Field("Jobraker <noreply@jobraker.localhost>", validation_alias=_env("JOBRAKER_EMAIL_FROM"))
    digest_hour: int = Field(8, ge=0, le=23, validation_alias=_env("JOBRAKER_DIGEST_HOUR"))
    follow_up_days: int = Field(7, ge=1, le=365, validation_alias=_env("JOBRAKER_FOLLOW_UP_DAYS"))
    projection_lag_alert_seconds: float = Field(
        300.0, gt=0, validation_alias=_env("JOBRAKER_PROJECTION_LAG_ALERT_SECONDS")
    )
    projection_lag_alert_events: int = Field(5000, ge=1, validation_alias=_env("JOBRAKER_PROJECTION_LAG_ALERT_EVENTS"))
    # Projection failure isolation: a projection that fails on an event retries it with a
    # doubling delay (from projection_retry_seconds, at most a minute) and, after
    # projection_max_attempts tries, parks it and moves on; /health/ready is 503 meanwhile,
    # and also while the oldest event a projection has not read is older than projection_ready_lag_seconds.
    projection_max_attempts: int = Field(5, ge=1, le=100, validation_alias=_env("JOBRAKER_PROJECTION_MAX_ATTEMPTS"))
    projection_retry_seconds: float = Field(1.0, ge=0, le=3600, validation_alias=_env("JOBRAKER_PROJECTION_RETRY_SECONDS"))
    projection_ready_lag_seconds: float = Field(
        60.0, gt=0, validation_alias=_env("JOBRAKER_PROJECTION_READY_LAG_SECONDS")
    )
    # Argon2id's cost for new password hashes (Django's own values by default). The test suite
    # lowers it (its thousands of hashes would otherwise take a good part of its time); production
    # refuses anything below OWASP's minimum (19 MiB, two passes).
    argon2_memory_kib: int = Field(102_400, ge=8, le=4_194_304, validation_alias=_env("JOBRAKER_ARGON2_MEMORY_KIB"))
    argon2_time_cost: int = Field(2, ge=1, le=100, validation_alias=_env("JOBRAKER_ARGON2_TIME_COST"))
    argon2_parallelism: int = Field(8, ge=1, le=64, validation_alias=_env("JOBRAKER_ARGON2_PARALLELISM"))

    @property
    def chat_configured(self) -> bool:
        """A chat model is configured: a key or a server address; empty values count as unset
        (docker-compose passes ``""``). Here, not in assistant/client.py, so that asking does not
        import the OpenAI SDK (a second and more) into every worker."""
        key = self.openai_api_key.get_secret_value() if self.openai_api_key else ""
        return bool(key) or bool(self.openai_base_url)

    @model_validator(mode="after")
    def _check_argon2_memory(self) -> Settings:
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:  # Argon2's own rule
            raise ValueError("JOBRAKER_ARGON2_MEMORY_KIB must be at least 8 × JOBRAKER_ARGON2_PARALLELISM")
        return self

    @field_validator("allowed_hosts", "cors_origins", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str) and not value.startswith("["):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"postgres", "postgresql"}:
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("master_key", "blind_index_key")
    @classmethod
    def _check_master_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_master_key(value.get_secret_value())
        return value

    @field_validator("keks")
    @classmethod
    def _check_keks(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from jobraker.privacy.keks import KekError, parse_keks

            try:
                parse_keks(value.get_secret_value())
            except KekError as error:
                raise ValueError(str(error).removeprefix("JOBRAKER_KEKS: ")) from None
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def embedded(self) -> bool:
        """True when Jobraker must start its own PostgreSQL and Redis."""
        return self.database_url is None or self.redis_url is None

    @property
    def email_backend_path(self) -> str:
        """Django's e-mail backend: as named, else SMTP when a host is set, else the outbox folder."""
        name = self.email_backend or ("smtp" if self.email_host else "outbox")
        if name in ("outbox", "console"):
            return "jobraker.delivery.outbox.OutboxEmailBackend"
        return f"django.core.mail.backends.{name}.EmailBackend"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def secret_values(self) -> list[str]:
        """Every configured secret (the logs blank them out, see jobraker.logs)."""
        return [value.get_secret_value() for name in type(self).model_fields
                if isinstance(value := getattr(self, name), SecretStr)]

    @property
    def master_key_bytes(self) -> bytes:
        assert self.master_key is not None
        return decode_master_key(self.master_key.get_secret_value())

    @property
    def blind_index_key_bytes(self) -> bytes:
        assert self.blind_index_key is not None
        return decode_master_key(self.blind_index_key.get_secret_value())


def skyvern_webhook_problem(settings: Settings) -> str | None:
    """Why Skyvern could not deliver its webhooks to JOBRAKER_PUBLIC_URL, or None. Skyvern refuses
    loopback, private and .local webhook hosts with 400 (skyvern/utils/url_validators.py), so
    with a key for a public Skyvern every run would be refused. Not checked for the sandbox, nor
    for a Skyvern on this machine or network (it can reach a private address)."""
    from jobraker.domain.safe_url import UnsafeUrl, check_url

    if settings.skyvern_api_key is None or settings.skyvern_sandbox:
        return None
    try:
        check_url(settings.skyvern_base_url, resolve=None)
    except UnsafeUrl:
        return None  # a self-hosted Skyvern on a private address
    try:
        check_url(settings.public_url, field="JOBRAKER_PUBLIC_URL", resolve=None)
    except UnsafeUrl as exc:
        return (f"{exc}: SKYVERN_API_KEY is set and Skyvern refuses webhooks to loopback, private and .local hosts; "
                "set JOBRAKER_PUBLIC_URL to this deployment's public https address")
    return None


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 of 32 random bytes") from None
    if len(key) != 32:
        raise ValueError(f"must be base64 of 32 bytes (got {len(key)} bytes)")
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and validate settings; fill missing development secrets from the data folder."""
    # An empty variable means unset (docker-compose passes `${SKYVERN_API_KEY:-}` as "").
    environ = {name: value for name, value in (os.environ if environ is None else environ).items() if value != ""}
    try:
        settings = Settings.model_validate(environ)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    missing = [name for name in GENERATED_SECRETS if not environ.get(name)]
    if missing and settings.is_production:
        raise ConfigError(
            f"{missing[0]} is not set; JOBRAKER_ENV=production requires it "
            f"(missing: {', '.join(missing)})"
        )
    if settings.is_production and (settings.argon2_memory_kib < OWASP_ARGON2_MEMORY_KIB or settings.argon2_time_cost < 2):
        raise ConfigError(
            f"JOBRAKER_ARGON2_MEMORY_KIB={settings.argon2_memory_kib}, JOBRAKER_ARGON2_TIME_COST={settings.argon2_time_cost} "
            f"is below OWASP's minimum for Argon2id ({OWASP_ARGON2_MEMORY_KIB} KiB, 2 passes); "
            "JOBRAKER_ENV=production refuses it"
        )
    if settings.is_production and settings.keks is None:
        # Each container would otherwise make its own KEK file (docs/security.md).
        raise ConfigError(
            "JOBRAKER_KEKS is not set; JOBRAKER_ENV=production requires it (from the secret manager; "
            "when upgrading, 1:<the JOBRAKER_MASTER_KEY value>)"
        )
    if missing:
        environ.update(_development_secrets(settings.data_dir, missing))
        try:
            settings = Settings.model_validate(environ)
        except ValidationError as exc:
            raise ConfigError(_one_line(exc)) from None
    return settings


def _development_secrets(data_dir: Path, names: list[str]) -> dict[str, str]:
    """Secrets kept in ``<data_dir>/secrets.json`` (mode 0600), created on first use."""
    path = data_dir / SECRETS_FILE
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if any(name not in stored for name in names):
        for name in names:
            stored.setdefault(name, GENERATED_SECRETS[name]())
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(path, json.dumps(stored, indent=2))
    return {name: stored[name] for name in names}


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, readable by the owner only from the first byte.

    The new file is created with mode 0600 by ``os.open`` itself (a chmod after writing left a
    moment in which anyone could read it), under a fresh name with O_EXCL so that neither a
    leftover file nor a planted link is written through, then renamed into place."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        try:
            data = text.encode()
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = Settings.model_fields.get(str(error["loc"][0])) if error["loc"] else None
    alias = field.validation_alias if field else None
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a rule over several settings names them in its message
        return message
    name = alias.choices[0] if isinstance(alias, AliasChoices) else error["loc"][0]
    return f"{name}: {message}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
