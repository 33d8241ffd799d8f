"""Customer organisations and the people at them (an org chart).

Not user logins: the people who log in are `dealcoach.User`."""

from django.conf import settings
from django.db import models

from dealcoach.softdelete import SoftDeleteModel


class Account(SoftDeleteModel):
    # Unique by a constraint in Meta, not `unique=True`: that also builds a second, LIKE-only index on
    # PostgreSQL, and an external id is only ever matched exactly (one index less to write per row).
    external_id = models.CharField(max_length=255, null=True, blank=True)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accounts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at", "id"], name="account_sync_cursor")]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="account_external_id_unique")]

    def __str__(self) -> str:
        return self.name


class Stakeholder(SoftDeleteModel):
    class Seniority(models.TextChoices):
        C_LEVEL = "c_level", "C-level"
        VP = "vp", "VP"
        DIRECTOR = "director", "Director"
        MANAGER = "manager", "Manager"
        STAFF = "staff", "Staff"

    # Seniorities that count as "senior engagement" for decay and coaching.
    SENIOR = ("c_level", "vp", "director")

    # Unique by a constraint in Meta, not `unique=True`: that also builds a second, LIKE-only index on
    # PostgreSQL, and an external id is only ever matched exactly (one index less to write per row).
    external_id = models.CharField(max_length=255, null=True, blank=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    seniority = models.CharField(max_length=10, choices=Seniority.choices, default=Seniority.STAFF)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at", "id"], name="stakeholder_sync_cursor")]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="stakeholder_external_id_unique"),
            models.CheckConstraint(
                condition=models.Q(seniority__in=["c_level", "vp", "director", "manager", "staff"]),
                name="stakeholder_seniority_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(reports_to=models.F("id")), name="stakeholder_not_own_manager"
            ),
        ]

    @property
    def is_senior(self) -> bool:
        return self.seniority in self.SENIOR

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name
