"""The decision memory and the outcome rules on PostgreSQL: the same example tests as
tests/api/test_decision_memory.py and test_outcome_rules.py, on the production database
(aware timestamps compared across time zones, the match lock). Skips without a server
unless PLATSA_REQUIRE_POSTGRES=1."""

from __future__ import annotations

from tests.api.on_postgres import client, engine  # noqa: F401
from tests.api.test_decision_memory import (  # noqa: F401  (collected here too)
    test_a_decline_is_remembered_for_the_period_only,
    test_a_declined_placement_is_left_out_and_named,
    test_a_live_match_comes_back_instead_of_a_list,
    test_a_placement_does_not_list_a_participant_who_declined_it,
    test_a_withdrawn_booking_is_remembered_as_a_decline,
    test_the_withdrawal_counts_from_its_own_moment_not_the_booking,
    world,
)
from tests.api.test_outcome_rules import (  # noqa: F401
    test_completed_dated_before_the_start_is_refused,
    test_two_final_outcomes_contradict,
)
