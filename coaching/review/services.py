"""Writes of the review: the weekly pipeline snapshot and the managers' weekly
review digest. Both are safe to run twice (and twice at once)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import DateField, DateTimeField, F, Value
from django.template.loader import render_to_string
from django.utils import timezone

from dealcoach.models import Team, User
from deals.models import Opportunity
from deals.propensity import propensity_expression

from .cache import review_all_changed
from .models import PipelineSnapshot, ReviewDigestLog
from .periods import week_start
from .report import weekly_review
from .selectors import review_scope_for

logger = logging.getLogger("dealcoach.review")

SNAPSHOT_COLUMNS = (
    "owner_id", "stage_id", "amount", "currency", "status", "forecast_category", "expected_close_date",
)
DIGEST_CHANGES = 5


def pipeline_snapshot_take(*, week: dt.date | None = None) -> int:
    """Record every open deal as it stands now, as `week`'s snapshot (`week`
    is moved to its Monday; default this week). One `INSERT ... SELECT`; rows
    already taken for that week are kept as they are (`ON CONFLICT DO
    NOTHING`), so a rerun only adds deals that were missing. Returns the
    number of rows added."""
    week = week_start(week or timezone.localdate())
    quote = connection.ops.quote_name
    # The SELECT is built by the ORM (propensity is an expression, deals/propensity.py), the
    # INSERT around it by hand: Django has no INSERT ... SELECT.
    # Every column an alias, so the SELECT lists them in this order.
    values = {
        "week": Value(week, output_field=DateField()),
        "opportunity_id": F("id"),
        **{column: F(column) for column in SNAPSHOT_COLUMNS},
        "propensity": propensity_expression(as_of=timezone.localdate()),
        "taken_at": Value(timezone.now(), output_field=DateTimeField()),
    }
    aliases = {f"snap_{column}": expression for column, expression in values.items()}
    rows = (
        Opportunity.objects.alive().filter(status=Opportunity.Status.OPEN).order_by()
        .annotate(**aliases).values_list(*aliases)
    )
    select, params = rows.query.sql_with_params()
    columns = ", ".join(quote(c) for c in values)
    sql = (
        f"INSERT INTO {quote(PipelineSnapshot._meta.db_table)} ({columns}) {select} "  # noqa: S608 (names from the models)
        f"ON CONFLICT ({quote('week')}, {quote('opportunity_id')}) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        added = cursor.rowcount
    if added:
        review_all_changed()  # "what changed since last week" reads the snapshot
    logger.info("Pipeline snapshot for the week of %s: %s deals added.", week, added)
    return added


def review_digests_send(*, as_of: dt.date | None = None) -> dict[str, int]:
    """The Monday digest: each active manager of a team with an email address
    gets this week's review summary once (see `review_digest_send`)."""
    as_of = as_of or timezone.localdate()
    week = week_start(as_of)
    already = set(ReviewDigestLog.objects.filter(week=week).values_list("manager_id", flat=True))
    managers = (
        User.objects.filter(is_active=True, role=User.Role.MANAGER, managed_teams__isnull=False)
        .exclude(email="")
        .exclude(pk__in=already)
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for manager in managers:
        sent += review_digest_send(manager=manager, as_of=as_of)
    return {"sent": sent, "already_sent": len(already)}


def review_digest_send(*, manager: User, as_of: dt.date) -> bool:
    """Send `manager` the review of each team they manage, unless this week's
    digest was already sent. The log row is written in the same transaction
    as the send: a rerun (or a concurrent run, which waits on the unique
    index) finds it and sends nothing; a failed send leaves no row, so the
    next run tries again. Returns whether an email went out."""
    week = week_start(as_of)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReviewDigestLog.objects.create(manager=manager, week=week, sent_at=timezone.now())
        except IntegrityError:
            return False
        teams = Team.objects.filter(manager=manager).order_by("name")
        reviews = [
            weekly_review(review_scope_for(user=manager, params={"team": team.pk}, as_of=as_of))
            for team in teams
        ]
        reviews = [review for review in reviews if review.scope.team is not None]
        context = {
            "manager": manager, "week": week, "reviews": reviews,
            "review_url": getattr(settings, "DEALCOACH_BASE_URL", "").rstrip("/") + "/review/",
            "top_changes": DIGEST_CHANGES,
        }
        message = EmailMultiAlternatives(
            subject=f"Pipeline review, week of {week:%d %b %Y}",
            body=render_to_string("review/email/digest.txt", context),
            to=[manager.email],
        )
        message.attach_alternative(render_to_string("review/email/digest.html", context), "text/html")
        message.send()
    return True
