"""Who sees what — the one place the visibility rule lives.

- an admin sees everything;
- a manager sees the deals owned by members of the teams they manage (and their own);
- a rep sees their own deals;
- customer accounts (and their stakeholders) are shared inside a team: a user sees
  the accounts owned by anyone whose deals they could see, plus accounts on which
  they can see a deal.

Every selector builds its queryset from these Q objects, so the browser, the API,
the jobs and the exports cannot disagree.
"""

from __future__ import annotations

from django.db.models import Q

MATCH_NOTHING = Q(pk__in=[])


def _is_live(user) -> bool:
    """A signed-in, active user: anyone else (anonymous, deactivated) sees nothing."""
    return user is not None and user.is_authenticated and user.is_active


def visible_owner_ids_q(user, *, owner_field: str = "owner") -> Q:
    """A Q selecting rows whose `owner_field` is a user `user` may see the work of."""
    if not _is_live(user):
        return MATCH_NOTHING
    if user.is_admin_role:
        return Q()
    if user.is_manager:
        return Q(**{f"{owner_field}__team__manager": user}) | Q(**{owner_field: user})
    return Q(**{owner_field: user})


def account_visibility_q(user, *, prefix: str = "") -> Q:
    """Accounts are shared inside a team: visible when owned by a teammate."""
    if not _is_live(user):
        return MATCH_NOTHING
    if user.is_admin_role:
        return Q()
    if user.is_manager:
        return Q(**{f"{prefix}owner__team__manager": user}) | Q(**{f"{prefix}owner": user})
    if user.team_id:
        return Q(**{f"{prefix}owner__team_id": user.team_id})
    return Q(**{f"{prefix}owner": user})


def can_own_deals_of(user, owner) -> bool:
    """May `user` assign a deal to `owner`? Admins anyone, managers their team, reps only themselves.
    Never to or by a deactivated (or anonymous) user."""
    if not _is_live(user) or owner is None or not owner.is_active:
        return False
    if user.is_admin_role:
        return True
    if user.is_manager:
        return owner == user or (owner.team_id is not None and owner.team.manager_id == user.id)
    return owner == user


def reviewable_teams_q(user) -> Q:
    """Teams whose weekly pipeline review `user` may open: an admin any team,
    a manager the teams they manage, a rep none."""
    if not _is_live(user):
        return MATCH_NOTHING
    if user.is_admin_role:
        return Q()
    if user.is_manager:
        return Q(manager=user)
    return MATCH_NOTHING


def visible_users_q(user) -> Q:
    """Users whose names may appear in `user`'s filters (owners they can see)."""
    if not _is_live(user):
        return MATCH_NOTHING
    if user.is_admin_role:
        return Q()
    if user.is_manager:
        return Q(team__manager=user) | Q(pk=user.pk)
    return Q(pk=user.pk)
