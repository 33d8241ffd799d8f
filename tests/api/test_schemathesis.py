"""schemathesis against the live schema: a real server (pytest-django's
live_server), a Bearer token for a seeded manager, every operation with a
bounded number of generated requests, the default checks.

One setting differs from the defaults, on purpose: `positive_data_acceptance`
also accepts 400. The schema states types, lengths, enums and formats, and the
API refuses anything outside them (the negative checks hold us to that); but
some rules cannot be written in OpenAPI — a referenced id must exist and be
visible to the caller, a lost deal needs a lost reason, one of `account` or
`account_external_id` — so a schema-valid body may still, rightly, get a 400
naming the field."""

import re
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection
from schemathesis.config import SchemathesisConfig

from dealcoach.tokens import api_token_issue
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    DealRoleFactory,
    OpportunityFactory,
    StakeholderFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.services]

MAX_EXAMPLES = 10

# The resource API (accounts, stakeholders, opportunities, activities, stages) must pass outright.
RESOURCE_API = re.compile(
    r" /api/v1/(accounts|stakeholders|activities|stages)/|"
    r" /api/v1/opportunities/($|\{id\}/$|bulk-upsert/$|external/)"
)
# Other apps' endpoints still fail some checks (listed by the xfail reason, by
# operation); flip to True once their owners have fixed them.
OTHER_OWNERS_STRICT = True


def seed():
    team = TeamFactory(name="Fuzz")
    manager = UserFactory(username="fuzz-manager", role="manager", team=team)
    team.manager = manager
    team.save()
    rep = UserFactory(username="fuzz-rep", role="rep", team=team)
    for n in range(3):
        account = AccountFactory(owner=rep, external_id=f"acc-{n}")
        person = StakeholderFactory(account=account, external_id=f"stk-{n}")
        deal = OpportunityFactory(account=account, owner=rep, external_id=f"opp-{n}",
                                  go_live_date=timezone.localdate() + timedelta(days=180))
        DealRoleFactory(opportunity=deal, stakeholder=person, role="economic_buyer")
        ActivityFactory(opportunity=deal, stakeholders=[person], external_id=f"act-{n}")
    _, plain = api_token_issue(user=manager, name="schemathesis")
    return plain


@pytest.fixture
def api_schema(default_stages, live_server, settings):
    settings.DEALCOACH_API_RATE = "100000/s"
    plain = seed()
    headers = {"Authorization": f"Bearer {plain}"}
    config = SchemathesisConfig.from_dict({
        "base-url": live_server.url,
        "headers": headers,
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {"positive_data_acceptance": {
            # 412: a generated If-Match rarely matches; 422: generated Idempotency-Keys repeat across bodies.
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429"],
        }, "negative_data_rejection": {
            # schemathesis' list plus 412: an If-Match is checked before the body is read (RFC 9110
            # 13.2.1 lets a server evaluate preconditions prior to processing the content), so an
            # invalid body with a stale If-Match on a row that exists is answered 412, not 400.
            # Whether a generated id hits a row depends on the ids earlier tests used up.
            "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422",
                                  "428", "429", "5xx"],
        }},
    })
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=headers, config=config), headers


def run_operation(operation, mode: GenerationMode, headers: dict) -> None:
    # Bulk upserts check items one by one by contract: a schema-invalid item is answered 200 with
    # that item's errors in its result (the others are saved), not with a 400 for the whole request.
    excluded = [negative_data_rejection] if operation.label.endswith("/bulk-upsert/") else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()


def test_the_api_conforms_to_its_schema(api_schema):
    """Every operation, valid and invalid inputs. (A loop rather than
    schemathesis' pytest plugin, whose lazy loader does not run on pytest 9.)"""
    schema, headers = api_schema
    failures, ran = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, headers)
                ran += 1
            except Unsatisfiable:
                continue  # nothing to make invalid in this operation's inputs
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported below, per operation
                failures[f"{mode.value} {operation.label}"] = str(error)[:4000]
    assert ran >= 60
    ours = {label: text for label, text in failures.items() if RESOURCE_API.search(label)}
    assert not ours, "\n\n".join(f"== {label}\n{text}" for label, text in ours.items())
    if failures and not OTHER_OWNERS_STRICT:
        pytest.xfail("schemathesis failures in other owners' endpoints (fix, then set OTHER_OWNERS_STRICT):\n"
                     + "\n\n".join(f"== {label}\n{text[:1500]}" for label, text in failures.items()))
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())


def test_the_api_holds_up_in_stateful_sequences(api_schema):
    """Stateful where available: schemathesis infers links between operations (an id a
    create returns, fed to the reads and writes that take it) and runs short sequences
    with every check. Bounded to stay lean on 2 cores."""
    schema, headers = api_schema
    base = schema.as_state_machine()

    class Sequences(base):
        def get_call_kwargs(self, case):
            return {"headers": headers}

    Sequences.run(settings=settings(max_examples=MAX_EXAMPLES, stateful_step_count=5, deadline=None,
                                    database=None, derandomize=True, suppress_health_check=list(HealthCheck)))
