"""Ids and randomness come from lineage, so re-runs reproduce them."""

from assets.common.ids import seeded_rng, stable_id


def test_ids_are_stable_and_sensitive_to_every_part():
    assert stable_id("a", 1, {"k": "v"}) == stable_id("a", 1, {"k": "v"})
    assert stable_id("a", 1) != stable_id("a", 2)
    assert len(stable_id("x")) == 16


def test_the_same_seed_partition_and_asset_draw_the_same_numbers():
    draw = lambda *key: [seeded_rng(*key).random() for _ in range(3)]
    assert draw(0, "p1", "asset") == draw(0, "p1", "asset")
    assert draw(0, "p1", "asset") != draw(0, "p2", "asset")
    assert draw(0, "p1", "asset") != draw(1, "p1", "asset")
