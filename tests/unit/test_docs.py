"""The README is a short front page: its links into docs/ resolve, every docs page is listed in its table of
contents, and its architecture map names every package of resync_app/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_anchor(line.lstrip("#")) for line in path.read_text().splitlines() if line.startswith("#")}


def _local_links(path: Path) -> list[tuple[str, Path, str]]:
    found = []
    for target in LINK_RE.findall(path.read_text()):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        found.append((target, (path.parent / file_part).resolve() if file_part else path, anchor))
    return found


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_local_link_resolves():
    broken = []
    for doc in _documents():
        for target, resolved, anchor in _local_links(doc):
            if not resolved.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_readme_lists_every_docs_page():
    listed = {resolved for _, resolved, _ in _local_links(ROOT / "README.md")}
    missing = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if p.resolve() not in listed]
    assert not missing, f"docs pages missing from the README's table: {missing}"


def test_architecture_map_names_every_package():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Architecture map", 1)[1].split("```")[1]
    named = set(re.findall(r"^ +([a-z_]+)/", block, re.M))
    packages = {p.parent.name for p in (ROOT / "resync_app").glob("*/__init__.py")}
    assert packages - named == set(), f"packages missing from the README's map: {sorted(packages - named)}"
    assert named - packages == set(), f"the README's map names folders that do not exist: {sorted(named - packages)}"


def test_readme_first_screen_is_short():
    """What a newcomer needs comes first: the two commands appear within the first 30 lines."""
    head = (ROOT / "README.md").read_text().splitlines()[:30]
    assert "make run" in head and "make test" in head
