"""Concurrency against the production shape (gunicorn on PostgreSQL):
20 simultaneous upserts of one external id, and two clients editing one close plan."""

import json
import threading

import pytest
from django.utils import timezone

from dealcoach.tokens import api_token_issue
from deals.models import Opportunity
from tests.factories import AccountFactory
from tests.reliability.shape import Processes, http_request, start_web

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("migration_rows")]


@pytest.fixture
def web(tmp_path):
    import os

    processes = Processes(tmp_path)
    try:
        yield start_web(processes, redis_url=os.environ["REDIS_URL"])
    finally:
        processes.stop_all()


def test_it_makes_one_row_from_twenty_concurrent_upserts(web, alice):
    account = AccountFactory(owner=alice, external_id="ACC-RACE")
    tokens = [api_token_issue(user=alice, name=f"client {i}")[1] for i in range(20)]
    barrier = threading.Barrier(20)
    answers = []

    def upsert(token):
        barrier.wait()
        status, _, body = http_request(web, "PUT", "/api/v1/opportunities/external/RACE-20/", token=token,
                                       body={"account": account.pk, "name": "Race", "amount": "5.00"})
        answers.append((status, json.loads(body).get("id")))

    threads = [threading.Thread(target=upsert, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == 20
    assert sorted(status for status, _ in answers) == [200] * 19 + [201], answers
    assert len({row_id for _, row_id in answers}) == 1
    assert Opportunity.objects.filter(external_id="RACE-20").count() == 1


def test_it_refuses_the_second_of_two_edits_of_one_close_plan(web, alice, alice_deal):
    from coaching.closeplan.models import Milestone
    from coaching.closeplan.services import plan_create_from_template

    plan = plan_create_from_template(actor=alice, opportunity=alice_deal,
                                     go_live_date=timezone.localdate() + timezone.timedelta(days=200))
    first, second = (api_token_issue(user=alice, name=n)[1] for n in ("laptop", "crm"))
    url = f"/api/v1/opportunities/{alice_deal.pk}/close-plan/"
    etags = [http_request(web, "GET", url, token=t)[1]["ETag"] for t in (first, second)]
    assert etags[0] == etags[1]
    milestone = f"{url}milestones/kickoff/"
    ok = http_request(web, "PATCH", milestone, token=first, body={"duration_days": 7}, headers={"If-Match": etags[0]})
    assert ok[0] == 200, ok
    stale = http_request(web, "PATCH", milestone, token=second, body={"duration_days": 12},
                         headers={"If-Match": etags[1]})
    assert stale[0] == 412, stale
    assert Milestone.objects.get(plan=plan, key="kickoff").duration_days == 7
