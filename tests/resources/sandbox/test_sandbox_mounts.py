"""The bubblewrap command line keeps the interpreter visible wherever the checkout lives."""

from resources.sandbox import backends
from resources.sandbox.backends import WorkerSpec, bwrap_argv


def test_a_venv_under_tmp_is_bound_on_top_of_the_private_tmp_not_hidden_by_it(monkeypatch):
    monkeypatch.setattr(backends, "_python_paths", lambda: ["/tmp/checkout/.venv"])
    argv = bwrap_argv(WorkerSpec(index=0, job_uid=60001, preload=()), as_root=True)
    tmpfs = argv.index("--tmpfs", 0)
    assert argv[tmpfs + 1] == "/tmp"
    bind = max(
        i for i, a in enumerate(argv) if a == "--ro-bind" and argv[i + 1] == "/tmp/checkout/.venv"
    )
    assert tmpfs < bind, "a bind before the tmpfs would be shadowed by it"
    assert argv.count("/tmp") >= 1 and argv[argv.index("/tmp/checkout") - 1] == "--dir"
