"""Scoring policies load from TOML, are versioned and reject what they do not understand."""

from __future__ import annotations

import tomllib

import pytest

from matcher import (
    ADJUSTMENTS,
    DEFAULT_POLICY_PATH,
    FACTORS,
    PREDICTORS,
    REGISTRY,
    load_policy,
    policy_from_mapping,
)


def _default_raw() -> dict:
    with open(DEFAULT_POLICY_PATH, "rb") as handle:
        return tomllib.load(handle)


def test_default_policy_is_versioned_and_weights_every_factor():
    policy = load_policy()
    assert policy.version == "hand-2026.4"
    assert policy.book_ahead_days == policy.eligibility.book_ahead_days == 90
    assert tuple(policy.weights.as_dict()) == FACTORS == PREDICTORS + ADJUSTMENTS
    assert policy.weights.as_array().tolist() == list(policy.weights.as_dict().values())
    assert set(ADJUSTMENTS) == {"priority", "capacity", "scarcity"}
    assert policy.scale.prior_intercept < 0  # most placements of people far away fail


def test_the_default_file_states_every_factor_weight_and_it_matches_the_registry():
    # the file is the municipality's statement; the registry default is the fallback
    raw = _default_raw()["weights"]
    assert set(raw) == set(FACTORS)
    assert {f.name: f.default_weight for f in REGISTRY} == raw


def test_a_factor_the_file_does_not_name_gets_its_registry_default():
    raw = _default_raw()
    del raw["weights"]["parent_hours"]
    policy = policy_from_mapping(raw)
    assert policy.weights.parent_hours == next(
        f.default_weight for f in REGISTRY if f.name == "parent_hours"
    )


def test_every_key_in_the_default_file_is_documented_by_a_comment():
    lines = DEFAULT_POLICY_PATH.read_text().splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            commented = "#" in line or lines[number - 1].lstrip().startswith("#")
            assert commented, f"undocumented key on line {number + 1}: {line}"


def test_a_municipality_file_changes_weights_without_code(tmp_path):
    text = DEFAULT_POLICY_PATH.read_text()
    text = text.replace('version = "hand-2026.4"', 'version = "lund-2026.2"')
    text = text.replace("skills = 0.6", "skills = 10.0")
    text = text.replace("book_ahead_days = 90", "book_ahead_days = 30")
    path = tmp_path / "lund.toml"
    path.write_text(text)
    policy = load_policy(path)
    assert (policy.version, policy.weights.skills) == ("lund-2026.2", 10.0)
    assert policy.book_ahead_days == 30
    assert policy.with_weights(skills=1.0).weights.skills == 1.0


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("weights", "skill", 1.0, "unknown factors \\['skill'\\]"),
        ("language", "practice_tolerance", 0, "practice_tolerance"),
        ("support", "max_missing_steps", -1, "max_missing_steps"),
        ("weights", "skills", -1.0, "weights.skills < 0"),
        ("support", "required_supervision", [3, 2, 1, 1, 1], "non-decreasing"),
        ("interests", "max_ranked", 2.5, "must be an integer"),
        ("commute", "km_unit", 0, "km_unit > 0"),
        ("eligibility", "book_ahead_days", -1, "book_ahead_days must be >= 0"),
        ("eligibility", "book_ahead_days", 1.5, "must be an integer"),
    ],
)
def test_invalid_policies_are_rejected_naming_the_problem(section, key, value, message):
    raw = _default_raw()
    raw[section][key] = value
    with pytest.raises(ValueError, match=message):
        policy_from_mapping(raw)


def test_missing_keys_and_version_are_rejected():
    raw = _default_raw()
    del raw["hours"]["hours_unit"]
    with pytest.raises(ValueError, match="missing keys \\['hours_unit'\\]"):
        policy_from_mapping(raw)
    raw = _default_raw()
    del raw["version"]
    with pytest.raises(ValueError, match="version"):
        policy_from_mapping(raw)
