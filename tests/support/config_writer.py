"""Child process for the multi-process test: apply one update per field given on the command line."""

import sys

from resync_app.config.store import get_store

if __name__ == "__main__":
    store = get_store()
    failures = 0
    for item in sys.argv[1:]:
        name, value = item.split("=", 1)
        result = store.update({name: value}, actor=f"writer-{sys.argv[1]}")
        failures += not result.success or result.updated_fields != [name]
    sys.exit(1 if failures else 0)
