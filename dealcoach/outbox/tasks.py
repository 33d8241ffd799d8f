from celery import shared_task

from .services import DELIVER_TASK, outbox_consume


@shared_task(name=DELIVER_TASK, bind=True, max_retries=10, ignore_result=True)
def outbox_deliver(self, message_id: int) -> bool:
    """Run one outbox message's task, once. Retried with backoff when it fails."""
    try:
        return outbox_consume(message_id=message_id)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(300, 2 ** self.request.retries)) from exc
