"""The one announcement deals makes upward: "these deals changed".

Coaching apps subscribe (scores, flags) so that `deals` never imports `coaching`.
Any writer of something that feeds a deal's coaching — the deal itself, its
roles, activities, answers, close plan — calls `announce_deal_changed`.
`deal_changed` is sent after the surrounding transaction commits, so receivers
see committed data and a rolled-back write announces nothing. `deal_changing`
is sent at once, inside that transaction, for receivers that queue durable
follow-up work (an outbox message): it commits or rolls back with the change."""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent with `opportunity_ids: list[int]` and `previous_owner_ids: list[int]`: the owners these deals
# had before a reassignment in the same write (whatever shows a rep's or a team's deals must
# forget them too; after the commit the deals no longer say who had them).
deal_changed = Signal()
# The same arguments, sent inside the writer's transaction.
deal_changing = Signal()


def announce_deal_changed(opportunity_ids: Iterable[int], *, previous_owner_ids: Iterable[int] = ()) -> None:
    ids = sorted({int(i) for i in opportunity_ids})
    if not ids:
        return
    previous = sorted({int(i) for i in previous_owner_ids if i is not None})
    deal_changing.send(sender="deals", opportunity_ids=ids, previous_owner_ids=previous)
    transaction.on_commit(
        lambda: deal_changed.send(sender="deals", opportunity_ids=ids, previous_owner_ids=previous)
    )
