"""The rendered review body, cached per team so a manager's page view does not
re-aggregate 10,000 deals.

Key: (team, viewer, filters, as_of) plus two versions: the team's, bumped by
every change to one of its deals (`deals.signals.deal_changed`, flag saves,
score recomputes: see `receivers`), and a global one, bumped by writes that
touch every team at once (the stale sweep, a pipeline snapshot). A bump makes
new keys, so a manager never sees the body from before a change; the old
entries just age out. Versions are random tokens, never counters: if the cache
evicts a version key, the next read starts a fresh token instead of reusing an
old number whose entries may still be cached.

The cache is Django's: local memory by default (tests, benchmarks, one
process), Redis with CACHE_USE_REDIS=1 (production: shared by every worker,
so one worker's bump is seen by all)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache

from .selectors import ReviewScope

BODY_SECONDS = 15 * 60
VERSION_SECONDS = 24 * 60 * 60
GLOBAL_VERSION_KEY = "review:v:all"
# Stands in for the viewer's CSRF token in the cached HTML (see `views`).
CSRF_PLACEHOLDER = "review-csrf-placeholder-7d1c"


def _team_version_key(team_id: int) -> str:
    return f"review:v:team:{team_id}"


def _version(key: str) -> str:
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, VERSION_SECONDS):
            version = cache.get(key) or version
    return version


def review_body_key(scope: ReviewScope) -> str:
    filters = "&".join(f"{k}={v}" for k, v in sorted(scope.filters.items()))
    versions = cache.get_many([GLOBAL_VERSION_KEY, _team_version_key(scope.team.pk)])
    global_version = versions.get(GLOBAL_VERSION_KEY) or _version(GLOBAL_VERSION_KEY)
    team_version = versions.get(_team_version_key(scope.team.pk)) or _version(_team_version_key(scope.team.pk))
    digest = hashlib.sha256(
        f"{scope.team.pk}|{scope.viewer.pk}|{scope.as_of.isoformat()}|{filters}|{global_version}|{team_version}"
        .encode()
    ).hexdigest()[:32]
    return f"review:body:{scope.team.pk}:{digest}"


def review_body_cached(*, scope: ReviewScope, render: Callable[[], str]) -> str:
    """The body for `scope` from the cache, or `render()`ed and stored."""
    key = review_body_key(scope)
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body, BODY_SECONDS)
    return body


def review_teams_changed(*, team_ids: Iterable[int | None]) -> None:
    """Forget the cached reviews of these teams (new version tokens)."""
    ids = {team_id for team_id in team_ids if team_id is not None}
    if ids:
        cache.set_many({_team_version_key(team_id): uuid.uuid4().hex for team_id in ids}, VERSION_SECONDS)


def review_all_changed() -> None:
    """Forget every team's cached review (a sweep, a snapshot)."""
    cache.set(GLOBAL_VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)
