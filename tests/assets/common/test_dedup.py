"""Near-duplicate removal keeps one canonical member per cluster, whatever the input order."""

from assets.common.dedup import MinHashParams, canonical_members

A = "Write a function that returns the sum of all even numbers in a list of integers."
A2 = "Write a function that returns the sum of all even numbers in a list of integers please."
B = "Given a binary tree, return the maximum depth measured as the number of nodes on the longest path."


def test_a_near_duplicate_pair_keeps_exactly_one_member_the_smallest_id():
    canon = canonical_members([("b", A2), ("a", A), ("c", B)])
    assert canon == {"a": "a", "b": "a", "c": "c"}


def test_the_result_does_not_depend_on_input_order():
    items = [("q1", A), ("q2", B), ("q3", A2)]
    assert canonical_members(items) == canonical_members(list(reversed(items)))


def test_params_are_recorded_as_numbers_and_pin_the_hash_scheme():
    meta = MinHashParams().as_metadata()
    assert meta["dedup/threshold"] == 0.8 and meta["dedup/num_perm"] == 128
    assert meta["dedup/scheme"] == "affine32"
