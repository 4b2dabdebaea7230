"""scripts/env.sh hands Bun the registry npm is configured with, and never a fixed URL of its own (issue 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def registry_after_sourcing(tmp_path: Path, npm_script: str | None) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if npm_script is not None:
        npm = bin_dir / "npm"
        npm.write_text("#!/bin/sh\n" + npm_script + "\n")
        npm.chmod(0o755)
    for tool in ("dirname",):  # what env.sh itself runs, and no npm but the stub (or none)
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {k: v for k, v in os.environ.items() if k != "NPM_CONFIG_REGISTRY"}
    env["PATH"] = str(bin_dir)
    out = subprocess.run(["/bin/bash", "-c", f'source "{ROOT}/scripts/env.sh"; echo "[${{NPM_CONFIG_REGISTRY:-}}]"'],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_the_configured_registry_is_used(tmp_path):
    assert registry_after_sourcing(tmp_path, 'echo "https://mirror.example/npm/"') == "[https://mirror.example/npm/]"


@pytest.mark.parametrize("npm", [None, "exit 1", 'echo "undefined"'], ids=["no-npm", "npm-fails", "undefined"])
def test_without_a_configured_registry_nothing_is_invented(tmp_path, npm):
    assert registry_after_sourcing(tmp_path, npm) == "[]"


def test_no_registry_url_is_written_in_the_scripts():
    for script in (ROOT / "scripts").glob("*.sh"):
        assert "registry.npmjs.org" not in script.read_text(), script
