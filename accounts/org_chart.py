"""The org chart's one rule, in plain Python: nobody may end up reporting to
themselves. Used by the stakeholder services (one save) and by the
stakeholder upsert (a whole batch over the accounts' current charts)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping


def reports_to_themselves(bosses: Mapping[Hashable, Hashable | None], person: Hashable) -> bool:
    """True when following `bosses` (person -> their boss, None at the top)
    up from `person` comes back to `person`."""
    boss, steps = bosses.get(person), 0
    while boss is not None and steps <= len(bosses):
        if boss == person:
            return True
        boss, steps = bosses.get(boss), steps + 1
    return False
