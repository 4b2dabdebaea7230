"""Child process of the lockout race tests: wait for the go file, then try wrong passwords from many threads at
once and print what came back as JSON (`{"failed": n, "locked": n, "signed_in": n}`).

    python -m tests.support.sign_in_guesser USERNAME THREADS GO_FILE
"""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from resync_app.auth.service import check_credentials
from tests.support.fast_bcrypt import use_test_cost

if __name__ == "__main__":
    username, threads, go_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    use_test_cost()  # like the test process: the race is about the lockout, not bcrypt's cost
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
