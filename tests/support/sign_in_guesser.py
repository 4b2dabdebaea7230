"""Child process of the lockout race tests: wait for the go file, then try wrong passwords from many threads at
once and print what came back as JSON (`{"failed": n, "locked": n, "signed_in": n}`).

    guess(username, threads, go_file)  (in a forked child: tests/support/forked.py)
    python -m tests.support.sign_in_guesser USERNAME THREADS GO_FILE
"""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def guess(username: str, threads: int, go_file: str) -> int:
    from resync_app.auth.service import check_credentials

    deadline = time.monotonic() + 120
    while not os.path.exists(go_file):  # start together with the other processes
        if time.monotonic() > deadline:
            sys.exit("the go file never appeared")
        time.sleep(0.01)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda _: check_credentials(username, "wrong-password-guess", client="race"),
                                range(threads)))
    print(json.dumps({"failed": sum(1 for r in results if r.principal is None and not r.locked),
                      "locked": sum(1 for r in results if r.locked),
                      "signed_in": sum(1 for r in results if r.principal is not None)}))
    return 0


if __name__ == "__main__":
    from tests.support.fast_bcrypt import use_test_cost

    use_test_cost()  # like the test process: the race is about the lockout, not bcrypt's cost
    sys.exit(guess(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
