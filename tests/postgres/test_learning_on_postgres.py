"""Learning from operators on PostgreSQL: collecting, reviewing, answering from approved entries, and a second
process that stops answering at once (the production database)."""

from tests.learning.conftest import learning_on, plan  # noqa: F401  (fixtures)
from tests.llm.conftest import llm, llm_server  # noqa: F401  (fixtures)
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)
from tests.learning.test_answers_from_approved import (  # noqa: F401
    test_a_rejected_or_deleted_entry_stops_answering_at_once,
    test_grounding_beats_recall_for_live_status_questions,
    test_the_metrics_count_votes_corrections_approvals_and_answers_from_knowledge,
    test_the_question_and_a_paraphrase_are_answered_at_no_cost,
)
from tests.learning.test_feedback_api import (  # noqa: F401
    test_a_second_vote_replaces_the_first_while_pending,
    test_bad_input_is_422_and_stores_nothing,
    test_with_learning_on_a_thumbs_down_and_its_correction_go_to_review,
)
from tests.learning.test_review_api import (  # noqa: F401
    bare_entry, entry, test_a_bad_approval_is_422_and_changes_and_audits_nothing,
    test_list_has_the_contract_shape_and_filters_by_status, test_reject_and_delete_are_audited,
)
from tests.learning.test_two_processes import (  # noqa: F401
    probe, test_a_decision_in_either_process_applies_at_once_in_the_other,
)


def test_really_on_postgresql(api, database_url):
    from resync_app.db import get_engine

    assert database_url.startswith("postgresql") and get_engine().dialect.name == "postgresql"
