"""The local instance `make demo` and `make dev` share is created with our dagster.yaml."""

from dagster import DagsterInstance

from dagster_project.instance import prepare_instance_home


def test_a_new_home_gets_one_run_at_a_time_and_no_telemetry(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = prepare_instance_home()
    assert (home / "dagster.yaml").exists()
    instance = DagsterInstance.get()
    # What the run-queue daemon reads.
    assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    assert not instance.telemetry_enabled


def test_an_existing_config_is_left_alone(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    prepare_instance_home()
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"
