"""Set Django up for processes that are not started by a WSGI server (CLI, workers, tests)."""

from __future__ import annotations

import os


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobraker.settings")
    import django

    django.setup()
