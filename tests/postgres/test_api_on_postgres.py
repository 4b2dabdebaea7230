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
