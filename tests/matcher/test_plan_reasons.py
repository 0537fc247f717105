"""The lazy taken_by / taken_places lists read like the tuples they stand for."""

from __future__ import annotations

import numpy as np

from matcher.plan_reasons import TakenLists


def lists(rows: list[list[bool]], row_of: list[int], takers=None, taker_place=None):
    packed = np.packbits(np.array(rows, dtype=bool), axis=1)
    return TakenLists(np.array(row_of), packed, len(rows[0]), takers, taker_place)


def test_entries_are_the_set_columns_or_the_takers_placed_there():
    rows = [[True, False, True], [False, True, False]]
    places = lists(rows, [1, -1, 0])
    assert list(places) == [(1,), (), (0, 2)]
    assert places[-1] == (0, 2) and places[0:2] == ((1,), ())
    # takers 4, 5, 7 placed at 2, 1, 2: row 0 (columns 0 and 2) names 4 and 7
    whom = lists(rows, [0, 1], takers=np.array([4, 5, 7]), taker_place=np.array([2, 1, 2]))
    assert list(whom) == [(4, 7), (5,)]


def test_reindexed_keeps_the_rows_under_new_indices():
    places = lists([[True, False], [False, True]], [0, 1])
    moved = places.reindexed(np.array([-1, 1, -1, 0]))
    assert list(moved) == [(), (1,), (), (0,)]
    assert len(lists([[False]], []).reindexed(np.array([-1, -1]))) == 2
