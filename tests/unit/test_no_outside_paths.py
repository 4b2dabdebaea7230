"""No test depends on a path outside the repository (issue 15, tests that must exist): what a test needs ships
under tests/ (e.g. tests/fixtures/hwa-job-in-plan-status.json, the status vocabulary of HCL's OpenAPI spec), so
the suite runs the same on any machine and never skips for a missing file."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
# an absolute path into a checkout or the team's shared folders (/work/…, /home/…), or the spec folder by name
OUTSIDE = re.compile(r"""["'](?:/work/|/home/|/Users/)|shared/spec""")


def test_no_test_reads_a_path_outside_the_repository():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "tests that depend on a path outside the repository:\n" + "\n".join(found)
