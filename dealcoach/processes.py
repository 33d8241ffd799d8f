"""What every long-lived process does once it has loaded the app, before it works."""

import gc

# Young objects allocated between two collections of the youngest generation (CPython's
# default: 700). A 1,000-row API upsert allocates ~15 tracked objects per row and died
# young in ~23 collections per request (~3 ms); at 20,000 it takes one or two. The cost:
# up to 20,000 unreachable young objects wait a little longer to be freed.
YOUNG_COLLECTION_THRESHOLD = 20_000


def prepare_garbage_collector() -> None:
    """Move every object loaded so far (modules, the URL conf, models, templates'
    loaders...) out of the garbage collector's sight (`gc.freeze`). They live as
    long as the process; without the freeze each full collection walks all of
    them again. A 1,000-row API upsert or a 2,000-deal rescoring chunk allocates
    enough to trigger one every few requests: ~40 ms each (bench/NOTES.md). Then
    collect the young generation less often (YOUNG_COLLECTION_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
