"""The bitmap helpers of the Whoosh match sets: a bitmap is a Python integer with
one bit per document of a segment; these turn id lists into bitmaps and back."""

from __future__ import annotations

import numpy as np
import pytest

from search.whoosh_sets import bitmap_array, bitmap_flags, bitmap_ids, to_bitmap


@pytest.mark.parametrize("size,every", [(1, 1), (7, 2), (8, 3), (1000, 7), (70_001, 997)])
def test_ids_survive_the_round_trip_through_a_bitmap(size, every):
    ids = np.arange(0, size, every)
    bitmap = to_bitmap(ids, size)
    assert bitmap.bit_count() == len(ids)
    assert bitmap_array(bitmap).tolist() == ids.tolist() == bitmap_ids(bitmap)
    flags = bitmap_flags(bitmap, size)
    assert flags.dtype == bool and len(flags) == size
    assert np.flatnonzero(flags).tolist() == ids.tolist()


def test_random_sets_and_their_intersection():
    rng = np.random.default_rng(5)
    size = 20_000
    a = np.unique(rng.integers(0, size, 3000))
    b = np.unique(rng.integers(0, size, 9000))
    both = to_bitmap(a, size) & to_bitmap(b, size)
    assert bitmap_array(both).tolist() == np.intersect1d(a, b).tolist()


def test_an_empty_bitmap_has_no_ids_and_flags_ignore_bits_beyond_the_size():
    assert bitmap_ids(0) == [] and len(bitmap_array(0)) == 0
    assert to_bitmap([], 10) == 0
    assert bitmap_flags(0b1_0000_0001, 4).tolist() == [True, False, False, False]
