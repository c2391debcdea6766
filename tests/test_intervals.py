"""The model card's intervals: Wilson score intervals for the benchmark's top-1 shares."""

from __future__ import annotations

import pytest

from stylespace.intervals import share_interval, wilson_interval


def test_a_perfect_or_empty_score_from_few_queries_is_not_certainty():
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(20, 20) == pytest.approx((0.8389, 1.0), abs=1e-4)


def test_the_interval_is_symmetric_at_one_half_and_narrows_with_more_queries():
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    low, high = wilson_interval(500, 1000)
    assert high - low < 0.07


def test_a_rounded_share_recovers_its_count():
    assert share_interval(0.9322, 59) == wilson_interval(55, 59)


def test_no_queries_has_no_interval():
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0)
