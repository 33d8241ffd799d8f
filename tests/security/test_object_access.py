"""Object-level authorisation on every browser page (ASVS V8.2.2 / V8.2.3).

Walks the URL resolver: every named, non-API, non-admin pattern that takes an
object id is requested with alice's objects as
- alice (the rep who owns the deal) and bob (her manager): allowed;
- dave (manager of another team) and erin (a rep with no team): 404, and a POST
  changes nothing;
- an anonymous visitor: sent to the log-in page.
The API side is walked from the schema in tests/api/test_object_level_access.py."""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Public by design, tested in test_share_link.py: the signed token is the credential.
PUBLIC_NAMES = {
    "closeplan:public", "closeplan:public_ics", "closeplan:public_identify", "closeplan:public_verify",
    "closeplan:public_comment", "closeplan:public_propose", "closeplan:public_done", "closeplan:public_owner",
    "closeplan:public_confirm",
}
SKIPPED_PREFIXES = ("api/", "admin/")
# Private to the user who made them: not even their manager opens them.
OWNER_ONLY_NAMES = {"sync:import_run"}
# Models whose rows a refused POST must leave untouched.
WATCHED_MODELS = [
    "accounts.Account", "accounts.Stakeholder", "deals.Opportunity", "deals.DealRole", "deals.Activity",
    "closeplan.ClosePlan", "closeplan.Milestone", "closeplan.ShareLink", "closeplan.PlanComment",
    "closeplan.DateProposal", "stale.Flag",
    "coaching_sessions.CoachingSession", "coaching_sessions.SessionAnswer", "coaching_sessions.Commitment",
    "rsvp.CoachingAnswer",
]


def object_patterns():
    """(route name, kwarg names) of every named browser pattern with parameters."""
    found = []

    def walk(resolver, prefix, namespace):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(pattern, route, f"{namespace}:{ns}" if namespace and ns else ns or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                kwargs = sorted(pattern.pattern.regex.groupindex)
                if kwargs and not route.startswith(SKIPPED_PREFIXES) and name not in PUBLIC_NAMES:
                    found.append((name, kwargs))

    walk(get_resolver(), "", None)
    return found


def url_for(name, kwarg_names, objects):
    values = {}
    for kwarg in kwarg_names:
        if kwarg == "pk":
            values[kwarg] = objects["account_pk"] if name.startswith("accounts:") else objects["deal_pk"]
        else:
            values[kwarg] = objects[kwarg]
    return reverse(name, kwargs=values)


def fingerprint():
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in WATCHED_MODELS}


def test_it_finds_the_object_pages():
    names = {name for name, _ in object_patterns()}
    assert {"deals:detail", "deals:edit", "accounts:detail", "closeplan:plan"} <= names


def test_it_lets_the_owner_and_her_manager_in(client, alice, bob, alice_objects):
    failures = []
    for user in (alice, bob):
        client.force_login(user)
        for name, kwargs in object_patterns():
            url = url_for(name, kwargs, alice_objects)
            status = client.get(url).status_code
            if user == bob and name in OWNER_ONLY_NAMES:
                if status not in (404, 405):
                    failures.append((user.username, name, url, status))
            elif status in (403, 404) or status >= 500:
                failures.append((user.username, name, url, status))
    assert failures == []


def test_it_hides_alices_objects_from_other_teams_and_outsiders(client, dave, erin, alice_objects):
    before = fingerprint()
    failures = []
    for user in (dave, erin):
        client.force_login(user)
        for name, kwargs in object_patterns():
            url = url_for(name, kwargs, alice_objects)
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                # 405: the page does not take this method at all, so nothing is revealed or written.
                if status not in (404, 405):
                    failures.append((user.username, method, name, url, status))
    assert failures == []
    assert fingerprint() == before


def test_it_sends_anonymous_visitors_to_log_in(client, alice_objects):
    failures = []
    login = reverse("login")
    for name, kwargs in object_patterns():
        url = url_for(name, kwargs, alice_objects)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            if response.status_code != 302 or not response.url.startswith(login):
                failures.append((method, name, url, response.status_code))
    assert failures == []
