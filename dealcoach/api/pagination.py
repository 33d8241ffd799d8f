"""Cursor pagination on (updated_at, id): a deep page costs the same as the first.

Bad paging input is bad input: an unreadable cursor or page size answers 400
naming the parameter, like every other field (DRF alone answers 404 / ignores it)."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class FieldErrorCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: ["Not a cursor this API gave out."]}) from None

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]})
        return size

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return params


class UpdatedAtCursorPagination(FieldErrorCursorPagination):
    ordering = ("updated_at", "id")
    page_size = 100
