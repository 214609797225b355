"""A cursor for the read side's hottest statements, which PostgreSQL plans once per connection.

Django's PostgreSQL cursors bind parameters on the client and send every statement as text, so
PostgreSQL parses and plans it again on each request. The written-out statements behind the
matches page, the applications list and one application cost more to plan than to run: at
100,000 jobs the matches page took 0.54 ms planned each time and 0.35 ms prepared, the list 0.55
and 0.27, one application 0.51 and 0.19 (docs/benchmarks.md). They run through this cursor:
server-side binding, and prepared on their first run in a connection (``prepare_threshold`` 0
in the settings, which Django's own client-binding cursors ignore), with Django's error
wrapping and query log as any other cursor. With ``binary``, rows come in PostgreSQL's binary
format: timestamps, UUIDs and numbers are read by psycopg's C loaders instead of parsing text
(Django's timestamp loader is Python); a JSON column must then be cast to text, as Django's
JSON fields read text.
"""

from __future__ import annotations

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from psycopg import pq


def prepared_cursor(binary: bool = False) -> CursorWrapper:
    """A cursor on the request's connection whose statements are prepared on first use."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    if binary:
        cursor.format = pq.Format.BINARY
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
