"""Suggestions on PostgreSQL, where the list and its items are stored by one statement
(models.repo_suggestions) and the access-log row is sealed by one (models.repo_audit_chain):
the same example tests as tests/api/test_suggestions.py, and every stored field of every
item. Skips without a server unless PLATSA_REQUIRE_POSTGRES=1."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.audit import AccessLog
from models.repo_audit_chain import verify_chain
from models.suggestion import SuggestionItem
from tests.api.on_postgres import client, engine  # noqa: F401
from tests.api.test_suggestions import (  # noqa: F401  (collected here too)
    _suggest,
    test_a_missing_or_hidden_participant_is_refused_and_the_attempt_logged,
    test_another_units_participant_is_not_found_and_nothing_is_stored,
    test_the_list_is_stored_before_it_is_returned,
    test_the_read_is_in_the_access_log,
    world,
)

pytestmark = pytest.mark.postgres


def test_every_stored_item_is_the_one_served(client, world, session):  # noqa: F811
    bodies = [_suggest(client, world).json() for _ in range(2)]
    for body in bodies:
        stored = session.exec(
            select(SuggestionItem)
            .where(SuggestionItem.suggestion_id == body["suggestion_id"])
            .order_by(SuggestionItem.rank)
        ).all()
        assert [
            (i.rank, i.placement_id, i.participant_id, i.score, i.contributions, i.propensity)
            for i in stored
        ] == [
            (item["rank"], item["placement_id"], None, item["score"],
             {**item["contributions"], **item["adjustments"]}, item["propensity"])
            for item in body["items"]
        ]  # fmt: skip
    assert bodies[0]["suggestion_id"] != bodies[1]["suggestion_id"]


def test_each_read_is_one_sealed_row_of_one_chain(client, world, session):  # noqa: F811
    for _ in range(3):
        assert _suggest(client, world).status_code == 200
    logged = session.exec(select(AccessLog).order_by(AccessLog.seq)).all()
    assert [a.seq for a in logged] == [1, 2, 3]
    assert [a.prev_hash for a in logged[1:]] == [a.hash for a in logged[:-1]]
    assert verify_chain(session, AccessLog) == (3, None)
