"""ExecVerify's rule set comes from its profile resource, as every family's method does."""

from dagster import Config

from assets.common.profiles import Profile
from assets.execverify import ASSETS
from assets.execverify import assets as stages
from assets.execverify.assets import rules_of


def test_the_assay_profile_runs_our_fixed_rules_and_original_execverifys():
    assert rules_of(Profile()) == "fixed"
    assert rules_of(Profile(name="original")) == "original"


def test_no_asset_takes_the_rules_from_its_run_config_any_more():
    configs = [v for v in vars(stages).values() if isinstance(v, type) and issubclass(v, Config)]
    assert configs and [c.__name__ for c in configs if "rules" in c.model_fields] == []
    uses_profile = [a for a in ASSETS if "execverify_profile" in a.required_resource_keys]
    assert len(uses_profile) >= 9
