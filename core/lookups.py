"""``__in`` on an integer column ignores values the column cannot hold, as ``exact`` already does.

Django answers ``pk=99999999999999999999`` with no rows (IntegerFieldOverflow) but sends the same
number to the database in ``pk__in=[…]``, where SQLite fails with OverflowError. A select or
many-to-many field of any form reads its choices that way (ModelMultipleChoiceField, the admin's
autocomplete widget), so a crafted post was a server error instead of 「正しく選択してください」.
Registered for every IntegerField (primary keys included) by CoreConfig.ready().
"""

from __future__ import annotations

import copy

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            kept = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
            if len(kept) != len(self.rhs):
                lookup = copy.copy(self)
                lookup.rhs = kept  # an empty list matches nothing (In raises EmptyResultSet)
                return In.process_rhs(lookup, compiler, connection)
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
