"""What the hot routes ask of PostgreSQL: one transaction per request and a fixed number of
statements, whatever the catalog's size (issue #15: a request's cost is mostly its round
trips, bench/README.md "Session 8").

A statement more on the participant read or the suggestion list costs every caseworker
on every request; these tests fail when one is added (an N+1, a lost prebuilt CTE, a
second query for the stop switch), and name the statements sent. Skips without a server
unless PLATSA_REQUIRE_POSTGRES=1."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.api.on_postgres import client, engine  # noqa: F401
from tests.api.test_suggestions import _suggest, world  # noqa: F401

pytestmark = pytest.mark.postgres


@contextmanager
def sent(engine):  # noqa: F811
    """The statements (their first words) and the transactions the engine runs in the block."""
    log = {"statements": [], "commits": 0, "rollbacks": 0}

    def statement(_conn, _cursor, text, *_):
        log["statements"].append(" ".join(text.split()[:4]))

    def commit(_conn):
        log["commits"] += 1

    def rollback(_conn):
        log["rollbacks"] += 1

    hooks = (("before_cursor_execute", statement), ("commit", commit), ("rollback", rollback))
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield log
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


def test_a_participant_read_is_three_statements_in_one_transaction(client, world, engine):  # noqa: F811
    headers = world.headers("caseworker")
    path = f"/api/v1/participants/{world.participant_a}"
    assert client.get(path, headers=headers).status_code == 200  # pools and caches warm
    with sent(engine) as log:
        assert client.get(path, headers=headers).status_code == 200
    # the caller by token, the participant, the sealed access-log row
    assert len(log["statements"]) == 3, log["statements"]
    assert (log["commits"], log["rollbacks"]) == (1, 0)


def test_a_suggestion_list_is_five_statements_in_one_transaction(client, world, engine):  # noqa: F811
    assert _suggest(client, world).status_code == 200  # compiles the catalog once
    for _ in range(2):  # the same count on every list, not only the first after a build
        with sent(engine) as log:
            assert _suggest(client, world).status_code == 200
        # the caller; the catalog key with the stop switch; the participant with their
        # live match and recent declines; the list with its items; the sealed log row
        assert len(log["statements"]) == 5, log["statements"]
        assert (log["commits"], log["rollbacks"]) == (1, 0)
