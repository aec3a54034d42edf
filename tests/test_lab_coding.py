"""Does the coding round's worked example give the same answers both ways, and does the
timing show the quadratic one losing?"""

from __future__ import annotations

import random

from pmtech.labs.coding import deepest_recursion, time_two_sum, two_sum_dict, two_sum_pairs


def test_both_versions_agree_on_random_inputs():
    rng = random.Random(3)  # seeded: the same cases on every run
    for _ in range(300):
        numbers = [rng.randint(-20, 20) for _ in range(rng.randint(0, 25))]
        target = rng.randint(-40, 40)
        assert two_sum_dict(numbers, target) == two_sum_pairs(numbers, target)


def test_the_pair_search_is_the_slow_one_and_grows_as_its_class_says():
    timing = time_two_sum(1_500)
    assert timing.pairs_s > 5 * timing.dict_s > 0
    pairs_100k, dict_100k = timing.extrapolate(100_000)
    assert pairs_100k == timing.pairs_s * (100_000 / 1_500) ** 2
    assert dict_100k == timing.dict_s * (100_000 / 1_500)


def test_recursion_has_a_limit():
    assert "fine" in deepest_recursion(50)
    assert "RecursionError" in deepest_recursion(1_000_000)
