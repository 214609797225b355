from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Stable cursor pagination, newest first; ``page_size`` may be chosen up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")


class NewestJobsFirst(NewestFirst):
    ordering = ("-posted_at", "-id")
