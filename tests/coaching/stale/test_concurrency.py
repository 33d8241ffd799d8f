"""Two sweeps at once on PostgreSQL, each on its own connection."""

import datetime as dt
import threading
from collections import Counter
from unittest import mock

import pytest
from django.db import connection, connections

from coaching.stale import services
from coaching.stale.models import Flag
from tests.coaching.stale.helpers import make_deal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services, pytest.mark.usefixtures("migration_rows")]

AS_OF = dt.date(2025, 6, 2)


def _neglected_deals(owner, count):
    return [
        make_deal(owner, stage="evaluate", created=dt.date(2025, 1, 1), last_activity=dt.date(2025, 3, 1),
                  close=dt.date(2025, 4, 1))
        for _ in range(count)
    ]


def _run_together(target, n=2):
    """Run `target` in n threads released at the same moment; return results and errors."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def _open_duplicates():
    counts = Counter(Flag.objects.filter(cleared_at__isnull=True).values_list("opportunity_id", "kind"))
    return {key: n for key, n in counts.items() if n > 1}


def test_it_leaves_no_duplicates_when_two_sweeps_run_at_once(alice):
    assert connection.vendor == "postgresql"
    _neglected_deals(alice, 30)

    results, errors = _run_together(lambda: services.flags_sweep(as_of=AS_OF))

    assert errors == []
    assert _open_duplicates() == {}
    assert Flag.objects.filter(cleared_at__isnull=True).count() == 150
    # Either the second found the lock taken, or it ran after the first and raised nothing.
    assert sorted(r.raised for r in results) == [0, 150]
    assert sum(r.raised for r in results) == 150


def test_the_unique_index_holds_even_without_the_lock(alice):
    """Both sweeps pass the advisory lock (as if it were missing): the partial
    unique index and ON CONFLICT DO NOTHING still leave one open flag per kind."""
    _neglected_deals(alice, 30)

    with mock.patch.object(services, "_try_sweep_lock", return_value=True):
        results, errors = _run_together(lambda: services.flags_sweep(as_of=AS_OF))

    assert errors == []
    assert not any(r.skipped for r in results)
    assert _open_duplicates() == {}
    assert Flag.objects.filter(cleared_at__isnull=True).count() == 150
    assert sum(r.raised for r in results) == 150
