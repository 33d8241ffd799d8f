"""A probe task for the reliability tests: each run leaves one row, so a test
can count how many times each message ran. Imported by the test process and
by the Celery workers the tests start (`celery worker -I tests.reliability.probe_tasks`)."""

from celery import shared_task
from django.utils import timezone

PROBE_TASK = "tests.reliability.probe"


@shared_task(name=PROBE_TASK)
def probe(marker: int, fail: bool = False) -> None:
    from dealcoach.audit.models import AuditEvent

    AuditEvent.objects.create(action="create", resource="probe", object_id=marker, source="system", at=timezone.now())
    if fail:
        raise RuntimeError("probe asked to fail")


def probe_runs() -> dict[int, int]:
    from django.db.models import Count

    from dealcoach.audit.models import AuditEvent

    rows = AuditEvent.objects.filter(resource="probe").values("object_id").annotate(n=Count("id"))
    return {row["object_id"]: row["n"] for row in rows}
