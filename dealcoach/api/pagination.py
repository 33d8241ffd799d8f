"""Cursor pagination on (updated_at, id): a deep page costs the same as the first.

Bad paging input is bad input: an unreadable cursor or page size answers 400
naming the parameter, like every other field (DRF alone answers 404 / ignores it)."""

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from dealcoach.dates import utc_offset_error


class FieldErrorCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
            forged = True
        else:
            forged = cursor is not None and not self.position_is_readable(cursor.position)
        if forged:
            raise ValidationError({self.cursor_query_param: ["Not a cursor this API gave out."]},
                                  code="invalid_cursor")
        return cursor

    def position_is_readable(self, position: str | None) -> bool:
        """A cursor's position is the first ordering field's value, as this API wrote it
        (a forged one reached the query and failed there with Django's internal text)."""
        if position is None:
            return True
        field = self.ordering[0].lstrip("-")
        if field.endswith("_at"):
            try:
                moment = parse_datetime(position)
            except ValueError:
                return False
            return moment is not None and utc_offset_error(moment) is None
        if field == "id":
            return position.isdigit() and int(position) < 2**63
        return True

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
