"""VACUUM the tables an erasure deleted rows from, once the projections have dropped them.

A DELETE leaves the row's old version in the table file as a dead tuple until VACUUM
reclaims it; running it at once keeps that window short instead of waiting for autovacuum.
What VACUUM cannot reach (WAL segments not yet recycled, free space not yet overwritten, file
copies in backups) is covered by sealing: see docs/architecture.md "What is sealed where".
VACUUM cannot run inside a transaction, so this runs on an autocommit connection."""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from psycopg import sql

# Columns that name a candidate in a table (any model of ours with one is touched by erasure).
SUBJECT_COLUMNS = ("candidate_id", "subject_id")
# Tables keyed by the candidate's id itself.
KEYED_BY_CANDIDATE = ("jobraker_candidates", "jobraker_accounts")


def erasure_tables() -> list[str]:
    """Every table of ours with a row that can name a candidate."""
    tables = set()
    for model in apps.get_models():
        # Ours, and the JWT tables (their rows go with the account, by cascade).
        if not (model.__module__.startswith("jobraker.") or model._meta.app_label == "token_blacklist"):
            continue
        columns = {field.column for field in model._meta.concrete_fields}
        if columns & set(SUBJECT_COLUMNS) or model._meta.db_table in KEYED_BY_CANDIDATE or model._meta.app_label == "token_blacklist":
            tables.add(model._meta.db_table)
    return sorted(tables)


def vacuum(tables: list[str]) -> None:
    if connection.in_atomic_block:
        raise RuntimeError("VACUUM cannot run inside a transaction")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)).as_string(cursor.connection))
