"""Reads of accounts and stakeholders, always scoped to what the user may see."""

from django.db.models import QuerySet
from django.http import Http404

from dealcoach.permissions import account_visibility_q

from .models import Account, Stakeholder


def accounts_visible_to(user) -> QuerySet[Account]:
    return Account.objects.alive().filter(account_visibility_q(user))


def stakeholders_visible_to(user) -> QuerySet[Stakeholder]:
    return Stakeholder.objects.alive().filter(account__deleted_at__isnull=True).filter(
        account_visibility_q(user, prefix="account__")
    )


def account_get_for_user(*, user, account_id) -> Account:
    try:
        return accounts_visible_to(user).get(pk=account_id)
    except (Account.DoesNotExist, ValueError, TypeError):
        raise Http404("No such account.") from None


def org_chart(account: Account) -> list[tuple[Stakeholder, int]]:
    """Stakeholders in reports-to order, each with its depth (roots first).
    One query; people whose manager is outside the account are roots."""
    people = list(account.stakeholders.alive().order_by("name"))
    by_id = {p.id: p for p in people}
    children: dict[int | None, list[Stakeholder]] = {}
    for p in people:
        parent = p.reports_to_id if p.reports_to_id in by_id else None
        children.setdefault(parent, []).append(p)
    ordered: list[tuple[Stakeholder, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for child in children.get(parent_id, []):
            if child.id in seen:
                continue
            seen.add(child.id)
            ordered.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    # A reports-to cycle leaves people unreached: show them as roots rather than hide them.
    for p in people:
        if p.id not in seen:
            seen.add(p.id)
            ordered.append((p, 0))
            walk(p.id, 1)
    return ordered
