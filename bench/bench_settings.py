"""Jobraker's settings plus one benchmark-only URL (bench_urls): never used by the product."""

from jobraker.settings import *

ROOT_URLCONF = "bench_urls"
