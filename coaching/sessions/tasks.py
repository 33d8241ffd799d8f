import datetime as dt

from celery import shared_task

from .services import overdue_commitment_digests_send


@shared_task(name="coaching.sessions.tasks.send_overdue_commitment_digests", time_limit=600, soft_time_limit=540)
def send_overdue_commitment_digests(as_of: str | None = None) -> int:
    return overdue_commitment_digests_send(as_of=dt.date.fromisoformat(as_of) if as_of else None)
