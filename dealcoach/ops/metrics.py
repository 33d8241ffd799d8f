"""Prometheus metrics at `/metrics`.

- HTTP requests, latencies and database queries come from django-prometheus
  (its before/after middleware and database backends, see settings).
- Gauges read at scrape time from providers that apps register
  (`register_gauge`): the outbox backlog here, the stale sweep's age from
  `coaching.stale`. A provider returns one value, or {label value: value}.
- Celery task outcomes (`dealcoach_celery_tasks_total{task,outcome}`): workers
  count them in the shared cache (Redis in production) from Celery's signals,
  since workers serve no HTTP; the web process reports the totals.

The endpoint answers only a caller that sends `Authorization: Bearer
$METRICS_TOKEN`, or whose address is in METRICS_ALLOWED_NETWORKS; anyone else
gets 403. With gunicorn's several processes, set PROMETHEUS_MULTIPROC_DIR
(scripts/entrypoint.sh does) so every process's counters are summed."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import prometheus_client
from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from dealcoach.celery import app

logger = logging.getLogger("dealcoach.metrics")

TASK_OUTCOMES = ("succeeded", "failed", "retried")
_TASK_KEY = "metrics:celery:{task}:{outcome}"


# --- gauges read at scrape time ---------------------------------------------------------

@dataclass(frozen=True)
class Gauge:
    name: str
    documentation: str
    read: Callable[[], float | dict[str, float] | None]
    label: str = ""


_gauges: dict[str, Gauge] = {}


def register_gauge(name: str, documentation: str, read, *, label: str = "") -> None:
    """Report `read()` as gauge `name` on every scrape (registering a name
    again replaces it). With `label`, `read()` returns {label value: value}."""
    _gauges[name] = Gauge(name, documentation, read, label)


class GaugeCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in _gauges.values():
            try:
                value = gauge.read()
            except Exception:  # noqa: BLE001 - one broken provider must not hide the other metrics
                logger.warning("metric %s could not be read", gauge.name, exc_info=True)
                continue
            if value is None:
                continue
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label] if gauge.label else None)
            if gauge.label:
                for label_value, number in sorted(value.items()):
                    family.add_metric([label_value], number)
            else:
                family.add_metric([], value)
            yield family


# --- Celery task outcomes ---------------------------------------------------------------

def task_outcome_record(*, task: str, outcome: str) -> None:
    key = _TASK_KEY.format(task=task, outcome=outcome)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # noqa: BLE001 - counting must never fail a task
        logger.warning("could not count task outcome %s %s", task, outcome, exc_info=True)


def _sender_name(sender) -> str:
    return getattr(sender, "name", None) or str(sender)


@task_success.connect(dispatch_uid="metrics_task_succeeded")
def _on_task_success(sender=None, **kwargs) -> None:
    task_outcome_record(task=_sender_name(sender), outcome="succeeded")


@task_failure.connect(dispatch_uid="metrics_task_failed")
def _on_task_failure(sender=None, **kwargs) -> None:
    task_outcome_record(task=_sender_name(sender), outcome="failed")


@task_retry.connect(dispatch_uid="metrics_task_retried")
def _on_task_retry(sender=None, **kwargs) -> None:
    task_outcome_record(task=_sender_name(sender), outcome="retried")


class TaskOutcomeCollector(Collector):
    def collect(self) -> Iterator[CounterMetricFamily]:
        app.loader.import_default_modules()  # every app's tasks module, as a worker loads them
        names = sorted(name for name in app.tasks if not name.startswith("celery."))
        keys = {(n, o): _TASK_KEY.format(task=n, outcome=o) for n in names for o in TASK_OUTCOMES}
        counts = cache.get_many(list(keys.values()))
        family = CounterMetricFamily(
            "dealcoach_celery_tasks", "Celery tasks finished, by task and outcome.", labels=["task", "outcome"],
        )
        for (name, outcome), key in keys.items():
            family.add_metric([name, outcome], counts.get(key, 0))
        yield family


# --- the endpoint -------------------------------------------------------------------------

def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    networks = settings.METRICS_ALLOWED_NETWORKS
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
    return False


def metrics(request):
    if not _allowed(request):
        return JsonResponse(
            {"detail": "Metrics need a bearer token (METRICS_TOKEN) or an allowed network.", "code": "permission_denied"},
            status=403,
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = prometheus_client.REGISTRY
    ours = prometheus_client.CollectorRegistry()
    ours.register(GaugeCollector())
    ours.register(TaskOutcomeCollector())
    body = prometheus_client.generate_latest(process_registry) + prometheus_client.generate_latest(ours)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
