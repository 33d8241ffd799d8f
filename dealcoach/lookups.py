"""`AnyOf`: a filter on a long list of values sent as one array parameter."""

from __future__ import annotations

from django.db.models import CharField, Lookup, TextField


class AnyOf(Lookup):
    """`column = ANY(%s)` with the values as ONE array parameter on PostgreSQL (an IN list of
    thousands of placeholders costs more to prepare and quote in Python than the query takes);
    IN elsewhere. Integer columns get a bigint[], text columns a text[].
    Used as a filter expression: `filter(AnyOf(F("opportunity_id"), ids))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if isinstance(self.lhs.output_field, CharField | TextField):
            values, array_type = [str(value) for value in self.rhs], "text[]"
        else:
            values, array_type = [int(value) for value in self.rhs], "bigint[]"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{array_type})", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
