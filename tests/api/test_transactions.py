"""One request, one transaction: the answer is sent only after the commit succeeded."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from models.participant import Participant
from tests.api.world import seed_world


def test_a_failed_commit_is_an_error_not_a_success(client, session, monkeypatch):
    world = seed_world(session)

    def broken_commit(self):
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", broken_commit)
    response = client.patch(
        f"/api/v1/participants/{world.participant_a}",
        json={"support_need": 5},
        headers=world.headers("caseworker"),
    )
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    session.expire_all()
    assert session.get(Participant, world.participant_a).support_need != 5
