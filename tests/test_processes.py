"""What a long-lived process does before it works (dealcoach/processes.py)."""

import gc

from dealcoach.processes import YOUNG_COLLECTION_THRESHOLD, prepare_garbage_collector


def test_it_freezes_what_startup_loaded_and_collects_the_young_generation_less_often():
    threshold = gc.get_threshold()
    try:
        prepare_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
