"""Every factor's Swedish and English sentence for representative values, word for word."""

from __future__ import annotations

import dataclasses

import pytest

from matcher import FACTORS, REGISTRY, Taxonomy, load_policy
from matcher.domain import Concept, DepartmentCapacity, Participant, Placement
from matcher.factors import Pair
from matcher.language import describe_level, entered_label
from matcher.reasons import number_sv

POLICY = load_policy()
TAXONOMY = Taxonomy(
    [
        Concept("care", "Vård och omsorg"),
        Concept("elder-care", "Äldreomsorg", broader="care"),
        Concept("home-care", "Hemtjänst", broader="care"),
        Concept("forklift", "Truckkort"),
        Concept("area-care", "Vård"),
    ]
)
PERSON = Participant(
    id=1, birth_year=1990, skills=("elder-care",), interests=("area-care",), language_level=2,
    support_need=2, months_on_assistance=1, months_since_last_job=14, newcomer=True,
    parent=False, home_lat=55.70, home_lon=13.19, max_hours=40, language_entered="SFI C",
)  # fmt: skip
PLACE = Placement(
    id=1, department_id=1, work_area="area-care", required_skills=("elder-care", "forklift"),
    useful_skills=("home-care",), min_language_level=2, language_practice=False, supervision=2,
    remaining_slots=1, hours_per_week=30, site_lat=55.70 + 12 / 111.2, site_lon=13.19,
    type_code="praktik",
)  # fmt: skip


def reason(name, person=PERSON, place=PLACE, capacity=None, price=None):
    factor = next(f for f in REGISTRY if f.name == name)
    return factor.reason(Pair(person, place, TAXONOMY, capacity, POLICY, price))


def texts(name, **kwargs):
    r = reason(name, **kwargs)
    return r.sv, r.en


def test_every_factor_has_a_reason_of_its_kind():
    assert [f.name for f in REGISTRY] == list(FACTORS)
    for factor in REGISTRY:
        r = reason(factor.name)
        assert (r.factor, r.kind) == (factor.name, factor.kind)


def test_skills():
    assert texts("skills") == (
        "Kompetens som matchar: Äldreomsorg; närliggande: Hemtjänst; saknas: Truckkort. "
        "Krav som saknas: Truckkort.",
        "Skills matched: Äldreomsorg; related: Hemtjänst; missing: Truckkort. "
        "Missing required: Truckkort.",
    )
    all_there = dataclasses.replace(PLACE, required_skills=("elder-care",), useful_skills=())
    assert texts("skills", place=all_there) == (
        "Kompetens som matchar: Äldreomsorg; närliggande: ingen; saknas: ingen.",
        "Skills matched: Äldreomsorg; related: none; missing: none.",
    )


def test_interests():
    assert texts("interests") == (
        "Arbetsområdet Vård är deltagarens önskemål nr 1.",
        "The work area Vård is the participant's choice no. 1.",
    )
    assert texts("interests", person=dataclasses.replace(PERSON, interests=())) == (
        "Arbetsområdet Vård finns inte bland deltagarens önskemål.",
        "The work area Vård is not among the participant's interests.",
    )


def test_language_shows_the_level_as_entered_beside_cefr():
    assert texts("language") == (
        "Svenska: deltagaren SFI C (A2), platsen kräver A2: når kravet.",
        "Swedish: participant SFI C (A2), the placement requires A2: meets the minimum.",
    )
    b1 = dataclasses.replace(PLACE, min_language_level=3)
    assert texts("language", place=b1) == (
        "Svenska: deltagaren SFI C (A2), platsen kräver B1: 1 steg under kravet, "
        "vilket väger tungt.",
        "Swedish: participant SFI C (A2), the placement requires B1: 1 step below the "
        "minimum, which weighs heavily.",
    )
    practice = dataclasses.replace(PLACE, min_language_level=3, language_practice=True)
    assert texts("language", place=practice)[1] == (
        "Swedish: participant SFI C (A2), the placement requires B1: 1 step below the "
        "minimum, which language practice with a mentor accepts."
    )
    nothing = dataclasses.replace(PERSON, language_level=0, language_entered="NONE")
    assert texts(
        "language", person=nothing, place=dataclasses.replace(PLACE, min_language_level=0)
    ) == (
        "Platsen har inget krav på svenska (deltagaren: ingen svenska ännu).",
        "The placement has no Swedish requirement (participant: no Swedish yet).",
    )
    for r in (reason("language", person=nothing), reason("language", place=b1)):
        assert "NONE" not in r.sv and "NONE" not in r.en


def test_support():
    assert texts("support") == (
        "Arbetsplatsen ger en del handledning, vilket räcker för stödbehov 2.",
        "The workplace gives some supervision, enough for support need 2.",
    )
    assert texts("support", person=dataclasses.replace(PERSON, support_need=4)) == (
        "Arbetsplatsen ger en del handledning; stödbehov 4 behöver intensiv.",
        "The workplace gives some supervision; support need 4 calls for intensive.",
    )


def test_commute_and_parents():
    assert texts("commute") == (
        "Cirka 12 km mellan hem och arbetsplats.",
        "About 12 km between home and workplace.",
    )
    parent = dataclasses.replace(PERSON, parent=True)
    assert texts("parent_commute", person=parent) == (
        "Förälder: resan på cirka 12 km väger tyngre (barnperspektivet).",
        "Parent: the commute of about 12 km weighs more (the child perspective).",
    )
    assert texts("parent_commute") == ("Gäller inte (inte förälder).", "Not a parent.")


def test_hours_and_parents():
    assert texts("hours") == (
        "30 timmar i veckan ryms inom deltagarens högst 40.",
        "30 hours a week fits within the participant's maximum of 40.",
    )
    limited = dataclasses.replace(PERSON, max_hours=20, parent=True)
    part_time = dataclasses.replace(PLACE, min_hours=20)
    assert texts("hours", person=limited, place=part_time) == (
        "30 timmar i veckan, men platsen kan tas på deltid ned till 20; deltagaren kan högst 20.",
        "30 hours a week, but the placement can be part-time down to 20; the participant can "
        "work at most 20.",
    )
    assert texts("parent_hours", person=limited, place=part_time) == (
        "Förälder: platsen behöver kortas till deltid, vilket väger tyngre.",
        "Parent: the placement must be cut to part-time, which weighs more.",
    )


def test_priority_with_plurals_and_an_unknown_last_job():
    assert texts("priority") == (
        "Prioritet för den som står långt från arbetsmarknaden: 1 månad med försörjningsstöd, "
        "14 månader sedan senaste arbete.",
        "Priority for those furthest from the labour market: 1 month on assistance, "
        "14 months since the last job.",
    )
    unknown = dataclasses.replace(PERSON, months_since_last_job=None)
    assert texts("priority", person=unknown)[0].endswith(
        "slutet på senaste arbetet är inte registrerat."
    )


@pytest.mark.parametrize(
    ("slots", "sv", "en"),
    [(1, "1 plats kvar.", "1 slot left."), (2, "2 platser kvar.", "2 slots left.")],
)
def test_capacity_plural(slots, sv, en):
    assert texts("capacity", place=dataclasses.replace(PLACE, remaining_slots=slots)) == (sv, en)


def test_capacity_says_when_the_department_is_short_of_its_minimum():
    short = DepartmentCapacity(1, remaining_quota=None, short_of_minimum=1)
    assert texts("capacity", capacity=short) == (
        "1 plats kvar. Förvaltningen har lovat fler platser och saknar 1 placering till sitt "
        "minimum, så den prioriteras.",
        "1 slot left. The department is 1 placement short of its promised minimum, so it is "
        "given priority.",
    )


def test_scarcity_with_a_decimal_comma_and_no_boilerplate_without_a_price():
    assert texts("scarcity", price=0.034) == (
        "Platsen behövs också av andra: alternativkostnad 3,4 procentenheter.",
        "Others need this placement too: opportunity cost 3.4 percentage points.",
    )
    for price in (None, 0.0):
        sv, en = texts("scarcity", price=price)
        assert "Ingen alternativkostnad angiven" not in sv
        assert sv == "Platsen är inte efterfrågad av andra i planen."


def test_swedish_numbers_and_level_labels():
    assert [number_sv(v) for v in (2.5, 3.0, -0.25, 0.0)] == ["2,5", "3", "\u22120,2", "0"]
    assert entered_label("sfi c") == entered_label("SFI-C") == "SFI C"
    assert entered_label("b1") == "B1"
    assert describe_level(2, "SFI C", "sv") == "SFI C (A2)"
    assert describe_level(3, "B1", "en") == "B1"
    assert describe_level(0, "NONE", "sv") == "ingen svenska ännu"
