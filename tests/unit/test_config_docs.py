"""The committed configuration reference is exactly what the catalogue generates."""

from pathlib import Path

from resync_app.config.docs import render


def test_docs_match_catalogue():
    committed = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    assert committed == render() + "\n", "run `python -m resync_app config-docs` and commit the result"
    assert committed.count("\n| `") == 61
