"""What every long-lived process does once it has loaded the app, before it works."""

import gc


def freeze_startup_objects() -> None:
    """Move every object loaded so far (modules, the URL conf, models, templates'
    loaders...) out of the garbage collector's sight (`gc.freeze`). They live as
    long as the process; without the freeze each full collection walks all of
    them again. A 1,000-row API upsert or a 2,000-deal rescoring chunk allocates
    enough to trigger one every few requests: ~40 ms each (bench/NOTES.md)."""
    gc.collect()
    gc.freeze()
