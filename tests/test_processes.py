"""What a long-lived process does before it works (dealcoach/processes.py)."""

import json
import subprocess
import sys

from dealcoach.processes import YOUNG_COLLECTION_THRESHOLD
from tests.reliability.shape import ROOT


def test_it_freezes_what_startup_loaded_and_collects_the_young_generation_less_often():
    # In a process of its own: the collector's state is process-wide, and the test runner's is not ours.
    probe = ("import gc, json; from dealcoach.processes import prepare_garbage_collector; default = gc.get_threshold(); "
             "prepare_garbage_collector(); print(json.dumps([default, gc.get_threshold(), gc.get_freeze_count()]))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    default, prepared, frozen = json.loads(result.stdout)
    assert prepared == [YOUNG_COLLECTION_THRESHOLD, *default[1:]]
    assert frozen > 0
