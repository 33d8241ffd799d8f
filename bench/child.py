"""Runs one heavy job in a fresh process and prints JSON with its wall time and
peak RSS, so the sweep's memory is measured on its own."""

import json
import resource
import sys
import time
from datetime import date


def main() -> None:
    from bench.generate import _setup_django

    _setup_django()
    job, as_of = sys.argv[1], date.fromisoformat(sys.argv[2])
    started = time.perf_counter()
    if job == "sweep":
        from coaching.stale.services import flags_sweep

        result = flags_sweep(as_of=as_of)
        detail = {k: getattr(result, k) for k in ("raised", "cleared", "open") if hasattr(result, k)}
    else:
        raise SystemExit(f"unknown job {job}")
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_mb, **detail}))


if __name__ == "__main__":
    main()
