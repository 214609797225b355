"""Jobraker's settings plus one benchmark-only URL (bench_urls): never used by the product."""

from jobraker.settings import *  # noqa: F403  (the project settings, then the bench's changes)

ROOT_URLCONF = "bench_urls"
