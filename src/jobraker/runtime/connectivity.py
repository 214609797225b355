"""Reach the database and Redis before starting work; name the problem in one line if not."""

from __future__ import annotations

import psycopg
import redis
from psycopg.conninfo import conninfo_to_dict

from jobraker.config import ConfigError, Settings


def require_reachable(settings: Settings) -> None:
    if not settings.database_url:
        raise ConfigError("DATABASE_URL is not set (run `jobraker up` to start the embedded PostgreSQL)")
    if not settings.redis_url:
        raise ConfigError("REDIS_URL is not set (run `jobraker up` to start the embedded Redis)")
    _reach_database(settings.database_url)
    _reach_redis(settings.redis_url)


def _reach_database(url: str) -> None:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"DATABASE_URL: cannot reach {redact_database_url(url)}: {reason}") from None


def _reach_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise ConfigError(f"REDIS_URL: cannot reach {url.split('@')[-1]}: {exc}") from None


def redact_database_url(url: str) -> str:
    parts = conninfo_to_dict(url)
    host = parts.get("host", "localhost")
    port = parts.get("port", "5432")
    return f"postgresql://{parts.get('user', '')}@{host}:{port}/{parts.get('dbname', '')}"
