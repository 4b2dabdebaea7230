"""References to the nodes a job depends on, as the snapshot stores them (issue 16, D3): a job's id, or
`stream:<job stream id>` for a whole job stream. Pure functions (the simulator's side imports nothing heavy)."""

from __future__ import annotations

from typing import Any

PREFIX = "stream:"


def ref(stream_id: str) -> str:
    return PREFIX + stream_id


def is_stream(reference: str) -> bool:
    return reference.startswith(PREFIX)


def stream_id(reference: str) -> str:
    return reference[len(PREFIX):]


def node_ref(node: Any) -> str | None:
    """The reference of a FlowNodeInPlanV2 (None without an id): a job's id, or `stream:<id>` for a JOBSTREAM."""
    if not isinstance(node, dict) or not node.get("id"):
        return None
    kind = node.get("flowNodeType")
    if kind is None:  # an engine that leaves the discriminator out: a job stream has no runs, only stream stats
        kind = "JOBSTREAM" if "jobruns" not in node and ("jobStreamStats" in node or "jsStatusFlags" in node) \
            else "JOB"
    return ref(str(node["id"])) if str(kind).upper() == "JOBSTREAM" else str(node["id"])


def dependency_ref(dependency: dict) -> str | None:
    """The reference of one DependencyInPlanV2 of a job's `dependencies` (None for files, resources, prompts …)."""
    kind = dependency.get("dependencyType")
    if kind in ("INTERNAL", "EXTERNAL_JOB") and dependency.get("jobId"):
        return str(dependency["jobId"])
    if kind == "EXTERNAL_JOBSTREAM" and dependency.get("jobStreamId"):
        return ref(str(dependency["jobStreamId"]))
    return None


__all__ = ["PREFIX", "dependency_ref", "is_stream", "node_ref", "ref", "stream_id"]
