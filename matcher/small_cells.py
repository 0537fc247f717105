"""Small-cell protection: no estimate for a group with too few decisions.

A group figure from five decisions is noise, and read as a finding it misleads (a
bootstrap interval of [1.0, 1.0] from five hits is not certainty). So every group figure
in a report goes through this module: a group with fewer than ``min_n`` decisions
(default :data:`DEFAULT_MIN_GROUP_N`, set with ``PLATSA_MIN_GROUP_SIZE``) is *suppressed*:
its entry keeps the label and its ``n`` (so a reader sees why) with ``suppressed: true``,
and every estimate, interval, gap and ratio is None. A gap or ratio is suppressed when
either side has fewer than ``min_n`` decisions. Drawings show suppressed groups in grey,
without a point, an interval or a colour.

What it does not do: hide the counts themselves (``n`` is shown; a count of decisions
is not a personal figure here), nor prevent working a small group's ``n`` out from
complementary totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from matcher.groups import GroupGap, GroupMetric

__all__ = ["DEFAULT_MIN_GROUP_N", "gap_entries", "group_entries", "is_small"]

DEFAULT_MIN_GROUP_N = 10

_GROUP_FIGURES = ("value", "ci_low", "ci_high")
_GAP_FIGURES = ("gap", "ci_low", "ci_high", "ratio", "ratio_ci_low", "ratio_ci_high")


def is_small(n: int, min_n: int) -> bool:
    """Too few decisions for an estimate to be shown."""
    return n < min_n


def group_entries(groups: Iterable[GroupMetric], min_n: int) -> list[dict]:
    """JSON-ready group entries, suppressed where ``n < min_n``."""
    out = []
    for g in groups:
        entry = asdict(g)
        entry["suppressed"] = is_small(g.n, min_n)
        if entry["suppressed"]:
            entry.update(dict.fromkeys(_GROUP_FIGURES))
        out.append(entry)
    return out


def gap_entries(gaps: Iterable[GroupGap], min_n: int) -> list[dict]:
    """JSON-ready gap entries, suppressed where either side has ``n < min_n``."""
    out = []
    for g in gaps:
        entry = asdict(g)
        entry["suppressed"] = is_small(g.n_group, min_n) or is_small(g.n_compared, min_n)
        if entry["suppressed"]:
            entry.update(dict.fromkeys(_GAP_FIGURES))
        out.append(entry)
    return out
