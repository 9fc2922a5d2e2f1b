"""Near-duplicate removal keeps one canonical member per cluster, whatever the input order."""

import numpy as np

from assets.common.dedup import MinHashParams, canonical_members, minhash, signatures
from bench import near_duplicates

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


def test_signatures_are_datasketchs_minhash_values_bit_for_bit():
    texts = [A, A2, B, "", "one two", "Ünïcode wörds and ÄSCII " * 5]
    params = MinHashParams()
    sig = signatures(texts, params)
    for text, row in zip(texts, sig, strict=True):
        assert (minhash(text, params).hashvalues == row).all()


def test_planted_near_duplicates_at_jaccard_0_8_are_found_and_distinct_questions_kept_apart():
    corpus = near_duplicates.corpus(2000, seed=3)
    canon = canonical_members(zip(corpus.ids, corpus.texts, strict=True))
    index = {item_id: k for k, item_id in enumerate(corpus.ids)}
    predicted = np.asarray([index[canon[i]] for i in corpus.ids])
    pairs = near_duplicates.planted_pairs(corpus.cluster, limit=10**6)
    found, similar = near_duplicates.recall(predicted, corpus.texts, pairs, 0.8)
    assert similar > 500 and found >= 0.95
    assert near_duplicates.precision(predicted, corpus.cluster) >= 0.99


def test_copies_of_one_text_form_one_cluster():
    items = [(f"id{k:03d}", A) for k in range(300)] + [("z", B)]
    canon = canonical_members(items)
    assert set(canon.values()) == {"id000", "z"}


def test_no_items_and_one_item():
    assert canonical_members([]) == {}
    assert canonical_members([("a", A)]) == {"a": "a"}


def test_a_release_over_several_partitions_keeps_the_first_files_copy_whatever_the_order():
    from assets.common.decontam import DecontamIndex
    from assets.common.release import NEAR_DUPLICATE, ReleaseItem, ReleasePolicy, first_file_id

    corpus = near_duplicates.corpus(300, seed=5)
    items = [
        ReleaseItem(first_file_id(f"p{k % 3}", item_id), text, [text])
        for k, (item_id, text) in enumerate(zip(corpus.ids, corpus.texts, strict=True))
    ]
    policy, index = ReleasePolicy(), DecontamIndex([])
    decisions = policy.decide(items, index)
    assert decisions == policy.decide(list(reversed(items)), index)
    dropped = [d for d in decisions.values() if d.decision == NEAR_DUPLICATE]
    assert dropped and all(d.canonical_id < d.id for d in dropped)
    kept_clusters = {corpus.cluster[k] for k, i in enumerate(items) if decisions[i.id].released}
    assert kept_clusters == set(corpus.cluster.tolist()), "every planted cluster keeps a member"


def test_items_sketched_as_they_stream_in_cluster_as_the_sorted_texts_sketched_at_once():
    """Texts are sketched a block at a time in arrival order and dropped; the clusters are
    those of the sorted texts sketched together (the sketches of the sorted order)."""
    from assets.common.dedup import (
        NearDuplicateClusters,
        cluster_labels,
        near_duplicate_pairs,
        sketch,
    )

    corpus = near_duplicates.corpus(5000, seed=5)  # more than two sketch blocks
    items = sorted(zip(corpus.ids, corpus.texts, strict=True), key=lambda i: i[1][::-1])
    clusters = NearDuplicateClusters()
    for item_id, text in items:
        clusters.add(item_id, text)
    ordered = sorted(items)
    at_once = sketch([text for _, text in ordered])
    labels = cluster_labels(len(ordered), near_duplicate_pairs(at_once))
    expected = {i: ordered[k][0] for (i, _), k in zip(ordered, labels.tolist(), strict=True)}
    canon = clusters.canonical()
    assert canon == expected and len(set(canon.values())) < len(canon)
