"""The models and the migrations agree: a change to a model without its migration fails here,
and so do two migrations with one number from branches merged side by side."""

from io import StringIO

from django.core.management import call_command


def test_no_model_change_lacks_a_migration() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_each_app_has_one_leaf_migration() -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    conflicts = MigrationLoader(connection).detect_conflicts()
    assert conflicts == {}
