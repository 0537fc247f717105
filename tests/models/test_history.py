"""As-of reads return each entity's state at a past moment and nothing from after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from models.history import Revision
from models.match import Match, MatchEvent, MatchStatus
from models.repo_history import booked_match_ids_as_of, record_revision, states_as_of
from tests.factories import (
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_unit,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_participant_state_as_of_each_revision(session):
    unit = make_unit(session)
    participant = make_participant(session, unit=unit, language_level=1)
    participant.language_level = 3
    record_revision(session, participant, by=None, at=T0 + timedelta(days=30))
    # the factory's first revision is 'now'; move it back to T0 to build a timeline
    rev1 = session.exec(
        select(Revision).where(Revision.entity == "participant", Revision.version == 1)
    ).one()
    rev1.valid_from = T0
    session.flush()
    key = str(participant.id)
    # as of a moment: what was recorded strictly before it
    assert states_as_of(session, "participant", T0) == {}
    assert states_as_of(session, "participant", T0 + SECOND)[key]["language_level"] == 1
    assert states_as_of(session, "participant", T0 + timedelta(days=30))[key]["language_level"] == 1
    later = T0 + timedelta(days=30) + SECOND
    assert states_as_of(session, "participant", later)[key]["language_level"] == 3
    assert participant.version == 2


def test_bookings_as_of_follow_the_status_log(session):
    unit = make_unit(session)
    department = make_department(session)
    make_concept(session, id="area-care", kind="occupation")
    make_placement_type(session)
    placement = make_placement(session, department=department, work_area="area-care", slots=2)
    participant = make_participant(session, unit=unit)
    match = Match(
        participant_id=participant.id, placement_id=placement.id, status=MatchStatus.withdrawn
    )
    session.add(match)
    session.flush()
    session.add(MatchEvent(match_id=match.id, status=MatchStatus.accepted, at=T0))
    session.add(
        MatchEvent(match_id=match.id, status=MatchStatus.started, at=T0 + timedelta(days=5))
    )
    session.add(
        MatchEvent(match_id=match.id, status=MatchStatus.withdrawn, at=T0 + timedelta(days=9))
    )
    session.flush()
    assert booked_match_ids_as_of(session, T0) == []
    assert booked_match_ids_as_of(session, T0 + SECOND) == [match.id]
    assert booked_match_ids_as_of(session, T0 + timedelta(days=6)) == [match.id]
    assert booked_match_ids_as_of(session, T0 + timedelta(days=9)) == [match.id]
    assert booked_match_ids_as_of(session, T0 + timedelta(days=9) + SECOND) == []
