"""Cursor pagination on (updated_at, id): a deep page costs the same as the first."""

from rest_framework.pagination import CursorPagination


class UpdatedAtCursorPagination(CursorPagination):
    ordering = ("updated_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
