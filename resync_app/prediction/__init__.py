"""Deadline prediction (CONTRACT §13): estimated ends with an 80 % interval, P(meets deadline), risk and why, for
the critical jobs of a plan and their upstream networks. Pure Python + numpy; see docs/prediction.md."""

from resync_app.prediction.engine import predict
from resync_app.prediction.types import CAUSES, Estimate, PastRun, PlanNode, Why, key_of

__all__ = ["CAUSES", "Estimate", "PastRun", "PlanNode", "Why", "key_of", "predict"]
