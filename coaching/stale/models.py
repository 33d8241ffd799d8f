"""Flags on deals that are going stale or decaying.

A flag is raised by the sweep when its condition starts to hold and cleared
(`cleared_at` set) when it stops; the row stays as history. Each kind is open
at most once per deal: a partial unique index on (opportunity, kind) where
`cleared_at IS NULL` makes the database refuse a second one."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import rules


class Flag(models.Model):
    class Kind(models.TextChoices):
        NO_ACTIVITY = rules.NO_ACTIVITY, rules.KIND_LABELS[rules.NO_ACTIVITY]
        CLOSE_DATE_PASSED = rules.CLOSE_DATE_PASSED, rules.KIND_LABELS[rules.CLOSE_DATE_PASSED]
        MILESTONE_OVERDUE = rules.MILESTONE_OVERDUE, rules.KIND_LABELS[rules.MILESTONE_OVERDUE]
        DECAYING = rules.DECAYING, rules.KIND_LABELS[rules.DECAYING]
        SINGLE_THREADED = rules.SINGLE_THREADED, rules.KIND_LABELS[rules.SINGLE_THREADED]
        NO_DECISION_MAKER = rules.NO_DECISION_MAKER, rules.KIND_LABELS[rules.NO_DECISION_MAKER]

    # No database foreign key: flags are derived rows that only the sweep writes, set-based, from
    # the deals table itself, so they cannot point at a missing deal. A DB constraint would make
    # PostgreSQL check (and KEY SHARE-lock) the deal row for every flag raised — 2.45M checks at
    # commit on a first sweep over 1M deals. Deleting a deal still deletes its flags (Django's cascade).
    opportunity = models.ForeignKey(
        "deals.Opportunity", on_delete=models.CASCADE, related_name="flags", db_constraint=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=300, help_text="Why, with the numbers, as of when it was raised.")
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateField(null=True, blank=True, help_text="The flag comes back on this date.")
    snooze_reason = models.CharField(max_length=300, blank=True)
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the owner's digest that announced this flag was sent.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="flag_open_once_per_deal",
            ),
            models.CheckConstraint(condition=Q(kind__in=list(rules.KINDS)), name="flag_kind_valid"),
            models.CheckConstraint(
                condition=Q(snoozed_until__isnull=True) | ~Q(snooze_reason=""),
                name="flag_snooze_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["raised_at", "id"], name="flag_cursor"),
            # The digest: open flags not yet announced to their owner.
            models.Index(
                fields=["opportunity"],
                condition=Q(cleared_at__isnull=True, notified_at__isnull=True),
                name="flag_pending_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    def status_on(self, today) -> str:
        return rules.flag_status(cleared=self.cleared_at is not None, snoozed_until=self.snoozed_until, today=today)

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def is_snoozed(self) -> bool:
        return self.status == "snoozed"


class SweepRun(models.Model):
    """A completed sweep, written in the sweep's own transaction (a killed sweep
    leaves none). A rerun for the same `as_of`, with the same rules
    (`fingerprint`: settings and stages), only re-evaluates the deals touched
    since `since` — the instant before which every write was visible to it."""

    as_of = models.DateField()
    since = models.DateTimeField(help_text="Every write stamped before this instant was visible to the sweep.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    fingerprint = models.CharField(max_length=64)
    incremental = models.BooleanField(default=False)
    deals = models.PositiveIntegerField(default=0, help_text="Open deals evaluated.")

    class Meta:
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"sweep for {self.as_of} at {self.finished_at:%Y-%m-%d %H:%M}"
