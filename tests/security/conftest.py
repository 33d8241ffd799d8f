"""Fixtures of the security tests: an outsider, and one of each of alice's objects."""

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from tests.factories import DealRoleFactory, UserFactory


@pytest.fixture
def erin(db):
    return UserFactory(username="erin", role="rep", team=None)


@pytest.fixture
def alice_objects(alice, bob, alice_deal):
    from coaching.closeplan.services import plan_create_from_template, share_link_create
    from coaching.sessions.services import coaching_session_open, commitment_add

    role = DealRoleFactory(opportunity=alice_deal)
    plan = plan_create_from_template(
        actor=alice, opportunity=alice_deal, go_live_date=timezone.localdate() + dt.timedelta(days=200))
    link, token = share_link_create(actor=alice, plan=plan)
    comment = apps.get_model("closeplan", "PlanComment").objects.create(
        plan=plan, author_stakeholder=role.stakeholder, body="Who runs the pilot?", created_at=timezone.now())
    proposal = apps.get_model("closeplan", "DateProposal").objects.create(
        plan=plan, milestone_key="go_live", current_date=plan.go_live_date,
        proposed_date=plan.go_live_date + dt.timedelta(days=30), reason="Board", proposed_by=role.stakeholder,
        created_at=timezone.now())
    flag = apps.get_model("stale", "Flag").objects.create(
        opportunity=alice_deal, kind="no_activity", reason="No activity for 30 days", raised_at=timezone.now())
    session = coaching_session_open(actor=bob, opportunity=alice_deal)
    commitment = commitment_add(actor=bob, session=session, action="Meet the economic buyer", owner=alice,
                                due_on=timezone.localdate() + dt.timedelta(days=7))
    upload = apps.get_model("sync", "CsvUpload").objects.create(
        owner=alice, resource="accounts", filename="accounts.csv", content="name\nAcme\n", created_at=timezone.now())
    return {
        "upload_id": upload.pk, "comment_id": comment.pk, "proposal_id": proposal.pk, "decision": "accept",
        "opportunity_id": alice_deal.pk, "role_id": role.pk, "key": "evaluation", "link_id": link.pk,
        "flag_id": flag.pk, "session_id": session.pk, "commitment_id": commitment.pk, "name": "overview",
        "account_pk": alice_deal.account_id, "deal_pk": alice_deal.pk, "token": token,
    }


# `migration_rows` (restoring the data-migration rows that transactional tests flush) lives in tests/conftest.py.
