"""Jobraker's settings plus one benchmark-only URL (bench_urls): never used by the product."""

from jobraker.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
