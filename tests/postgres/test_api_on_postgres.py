"""The API and store tests that matter most for the production database, re-run on PostgreSQL."""

from tests.api.test_auth_api import (  # noqa: F401
    test_lockout_429_with_retry_after_even_for_right_password,
    test_session_form_sets_httponly_cookie_and_logout_kills_it,
    test_token_grants_access_and_has_contract_shape,
)
from tests.api.test_system_config_api import (  # noqa: F401
    test_mixed_batch_changes_nothing_and_audits_nothing,
    test_rollback_restores_whole_configuration_as_new_version,
    test_stale_base_version_409_and_nothing_applied,
    test_twenty_concurrent_updates_of_different_fields,
    test_values_survive_a_restart_and_restart_fields_take_effect,
)


def test_really_on_postgresql(api, database_url):
    from resync_app.db import get_engine

    assert database_url.startswith("postgresql") and get_engine().dialect.name == "postgresql"
from tests.api.test_config_multiprocess import test_two_processes_each_ten_updates  # noqa: F401

# The LLM ledger, rollups, budgets and prices on PostgreSQL (upserts, recomputation, concurrency).
from tests.llm.conftest import llm, llm_server, notifier, set_timezone  # noqa: E402,F401  (fixtures)
from tests.llm.test_budget import (  # noqa: E402,F401
    test_fifty_concurrent_calls_near_the_limit_do_not_overshoot,
    test_threshold_alert_fires_exactly_once_per_period_and_threshold,
)
from tests.llm.test_gateway import (  # noqa: E402,F401
    test_failing_primary_falls_back_and_both_attempts_are_recorded,
    test_unpriced_calls_are_flagged_and_recomputed_when_a_price_is_set,
)
from tests.llm.test_ledger import (  # noqa: E402,F401
    test_days_follow_resync_timezone,
    test_ledger_writes_are_off_the_call_path_and_survive_shutdown,
    test_nothing_lost_when_shutting_down_with_the_flusher_running,
    test_usage_and_costs_agree_with_the_ledger_to_the_cent,
)

# The lockout race on PostgreSQL (advisory lock per username), threads and processes.
from tests.api.test_lockout_race import (  # noqa: E402,F401
    test_concurrent_guesses_and_one_right_password_still_cap_the_guesses,
    test_three_processes_racing_get_five_guesses_between_them,
    test_thirty_concurrent_wrong_passwords_get_five_guesses,
    test_thirty_concurrent_wrong_passwords_through_the_service_get_five_guesses,
)

# Sign-in audit rows on PostgreSQL: masked unknown names, one row per lock window under concurrency.
from tests.api.test_sign_in_audit import (  # noqa: E402,F401
    test_a_locked_usernames_attempts_make_one_row_per_lock_window,
    test_an_unknown_username_is_masked_in_every_sign_in_row,
    test_concurrent_attempts_on_a_locked_username_still_make_one_row,
)
