"""The verdict guard: an audit hook that owns the result channel and judges who may use it.

A pytest run happens in the same interpreter as the job's code, so anything kept in an
ordinary Python object (a list of outcomes, a nonce, the result descriptor) could be
reached and rewritten by that code. The guard keeps what decides a verdict in the closure
of an audit hook, which cannot be removed once installed and which no frame, global or
object the job can reach refers to:

* observations (a phase of a test ended or raised, pytest's report of it, the collected
  items) are accepted only when every frame on the stack, up to the job's entry point,
  runs code loaded before the job's code (pytest, pluggy, this runtime): a call coming
  from job code, or from any function it created, is refused and marks the run tampered;
* the single result frame is written by the hook itself, with a nonce the zygote makes
  after the fork and hands only to this closure, so bytes the job writes to the
  descriptor can only spoil the channel (which the host then reports as an error);
* the attributes of the modules and classes on the verdict path (and their sys.modules
  entries) are compared with a snapshot taken in the zygote at every observation and at
  the report, since assigning a class or module attribute raises no audit event;
* the introspection that could reach the hook's state (gc, tracebacks' and generators'
  frames, settrace, ctypes, code object and function construction, compiling code under
  a library file's name) is refused to job code, and every refusal makes the run an error;
  so are writes of `__bases__`, `__class__`, `__defaults__` and `__kwdefaults__`, which
  change what trusted classes and functions do without touching any namespace;
* the hook and everything it calls are sealed: re-made in the zygote over private copies
  of this module's globals and of the builtins, with every module attribute they need read
  once at install. Rebinding a name in this module, in `builtins`, `json` or `protocol`
  changes nothing the hook runs, and each observation is encoded to JSON the moment it is
  made, so editing the record afterwards changes nothing either. The builtins themselves
  are in the integrity snapshot (trusted code looks them up), except the few names tests
  legitimately monkeypatch (MUTABLE_BUILTINS).

Known limit: sys._getframe and frame.f_back stay available (logging and pytest use them),
so a job can walk the frames above it and mutate the objects it finds there; the checks
above are what keep such mutation from turning into a pass.
"""

from __future__ import annotations

import builtins
import ctypes
import gc
import os
import sys
import types
from _json import encode_basestring_ascii as _c_encode_str
from _json import make_encoder as _c_make_encoder
from collections.abc import Callable, Iterable
from operator import is_, itemgetter
from typing import Any

from . import protocol

TRUSTED_PACKAGES = ("_pytest", "pytest", "pluggy", "iniconfig", "assay_runtime")

# Events refused whenever job code is on the stack.
DENIED_EVENTS = frozenset(
    {
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys._current_frames",
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "sys._current_exceptions",
        "cpython.PyInterpreterState_Clear",
        "cpython.run_interactivehook",
    }
)
# Refused only when job code itself makes the call: libraries build code objects and
# functions legitimately (sympy, scikit-learn at import), a job doing it may be forging a
# filename to pass for library code.
DENIED_TO_JOB_CODE = frozenset({"code.__new__", "function.__new__"})
# Attribute writes that raise an audit event and would change what trusted code does
# without touching a namespace the integrity snapshot covers (a class's bases, an object's
# class, a function's defaults); refused to job code itself.
DENIED_WRITES = frozenset({"__code__", "__bases__", "__class__", "__defaults__", "__kwdefaults__"})
# Builtins that tests monkeypatch (monkeypatch.setattr("builtins.input", ...)); changing
# any other builtin is tampering, because pytest and pluggy look builtins up at every call.
MUTABLE_BUILTINS = frozenset(
    {"input", "print", "open", "help", "exit", "quit", "copyright", "credits", "license", "_"}
)
# Attribute reads that hand out frames or code objects, and so a way to the guard's state.
FRAME_ATTRS = frozenset(
    {
        "tb_frame",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "f_back",
        "f_locals",
        "f_globals",
        "__code__",
        "gi_code",
        "cr_code",
        "ag_code",
        "f_code",
    }
)


# The modules whose attributes decide a verdict: the integrity snapshot covers these and
# their classes. Checking every trusted module would touch (and, in a fork, copy) the pages
# of thousands of objects for a few milliseconds per job, on code no verdict goes through.
GUARDED_MODULES = frozenset(
    {
        "pytest",
        "_pytest.nodes",
        "_pytest.unittest",
        "_pytest.recwarn",
        "_pytest.monkeypatch",
        "_pytest.tmpdir",
        "assay_runtime.guard",
        "assay_runtime.pytest_runner",
        "assay_runtime.verdict",
        "assay_runtime.zygote",
        "_pytest.python_api",
        "_pytest.raises",
        "_pytest.outcomes",
        "_pytest.runner",
        "_pytest.python",
        "_pytest.fixtures",
        "_pytest.skipping",
        "_pytest.main",
        "_pytest.reports",
        "pluggy._callers",
        "pluggy._hooks",
        "pluggy._manager",
    }
)
_MISSING = object()
# Read once at import: the sealed check must not look anything up through a module a job
# can rebind attributes of (sys.modules itself can be rebound; the import system keeps
# using this dict).
_MODULES = sys.modules


def _is_trusted_module(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in TRUSTED_PACKAGES)


def _codes_in(obj: Any, out: set[int], keep: list, depth: int = 0) -> None:
    if depth > 4:
        return
    code = (
        getattr(obj, "__code__", None)
        if isinstance(obj, (types.FunctionType, types.MethodType))
        else None
    )
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
        code = obj.__code__
    if isinstance(obj, (staticmethod, classmethod)):
        _codes_in(obj.__func__, out, keep, depth + 1)
        return
    if isinstance(obj, property):
        for f in (obj.fget, obj.fset, obj.fdel):
            if f is not None:
                _codes_in(f, out, keep, depth + 1)
        return
    if isinstance(obj, types.FunctionType):
        code = obj.__code__
        wrapped = getattr(obj, "__wrapped__", None)
        if isinstance(wrapped, types.FunctionType):
            _codes_in(wrapped, out, keep, depth + 1)
    if isinstance(code, types.CodeType):
        _add_code(code, out, keep)
    elif isinstance(obj, type):
        for value in list(vars(obj).values()):
            _codes_in(value, out, keep, depth + 1)


def _add_code(code: types.CodeType, out: set[int], keep: list) -> None:
    if id(code) in out:
        return
    out.add(id(code))
    keep.append(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _add_code(const, out, keep)


def trusted_modules() -> list[types.ModuleType]:
    return [
        m
        for n, m in list(sys.modules.items())
        if isinstance(m, types.ModuleType) and _is_trusted_module(n)
    ]


def trusted_code_ids(modules: Iterable[types.ModuleType]) -> tuple[frozenset[int], list]:
    """Ids of every code object reachable from trusted modules (kept alive by the list)."""
    out: set[int] = set()
    keep: list = []
    for mod in modules:
        for value in list(vars(mod).values()):
            if isinstance(value, types.ModuleType):
                continue
            owner = getattr(value, "__module__", None)
            if isinstance(value, type) and isinstance(owner, str) and not _is_trusted_module(owner):
                continue
            _codes_in(value, out, keep)
    return frozenset(out), keep


class Trust:
    """What existed before any job code ran: computed once in the zygote, inherited by forks."""

    def __init__(self) -> None:
        modules = trusted_modules()
        self.codes, self.keep = trusted_code_ids(modules)
        self.keep.append(modules)
        # Module attributes (pytest.approx, _pytest.runner.call_and_report, ...) and the
        # sys.modules entries themselves, as identities: a job that swaps any of them is caught.
        # Everything is frozen (tuples, read-only proxies): the job can reach this object by
        # walking frames, so it must not be able to edit the reference it is compared with.
        # Classes too: assigning a class attribute (Function.runtest = ...) raises no audit event.
        classes = {
            id(v): v
            for m in modules
            for v in list(vars(m).values())
            if isinstance(v, type)
            and isinstance(getattr(v, "__module__", None), str)
            and _is_trusted_module(v.__module__)
        }
        owners = [
            o for o in list(modules) + list(classes.values()) if _owner_module(o) in GUARDED_MODULES
        ]
        owners.append(builtins)
        # Per owner: its live namespace, a label, what it held, the names allowed to change,
        # the namespaces of its bases (a new name may shadow one of theirs) and its version
        # tag. Namespaces are taken now, not through vars() at check time: a job can give a
        # class or module a __class__ whose __dict__ is a property running its code.
        self.attributes = tuple(
            (
                vars(o),
                _label(o),
                types.MappingProxyType(dict(vars(o))),
                tuple(vars(o).values()),
                MUTABLE_BUILTINS if o is builtins else frozenset(),
                tuple(vars(b) for b in o.__mro__[1:]) if isinstance(o, type) else None,
                _dict_version(o),
            )
            for o in owners
        )
        self.entries = types.MappingProxyType(
            {n: m for n, m in sys.modules.items() if _is_trusted_module(n)}
        )
        versions = [version for *_, version in self.attributes]
        # (Two or more: itemgetter of one position returns the item, not a tuple.)
        readable = len(versions) > 1 and None not in versions
        # What the integrity check compares with, as one plain tuple: the hook unpacks it at
        # install, so that rebinding an attribute of this object later changes nothing.
        self.snapshot = (
            self.attributes,
            self.entries,
            tuple(self.entries),
            tuple(self.entries.values()),
            tuple(v[1] for v in versions) if readable else (),
            _tag_reader([v[0] for v in versions]) if readable else None,
        )
        self.keep = tuple(self.keep)
        self.make_hook = _sealed_hook_factory()


# CPython 3.11's PyDictObject: refcount, type, ma_used, then ma_version_tag, which every
# change to the dict (insert, replace, delete, clear) sets to a new, never reused value.
_VERSION_OFFSET = 24
_read_u64 = ctypes.c_uint64.from_address
# The getter itself, not an attribute lookup on the view's class, which a job could shadow.


def _dict_address(owner: Any) -> int:
    """Address of the real dict behind a module's or class's namespace (vars() of a class is a
    proxy over it)."""
    namespace = vars(owner)
    if type(namespace) is not dict:
        (namespace,) = (r for r in gc.get_referents(namespace) if type(r) is dict)
    return id(namespace)


def _versions_readable() -> bool:
    """Does this interpreter keep a dict's version tag where _dict_version reads it?"""
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11):
        return False
    probe: dict = {"a": 1}
    seen = [_read_u64(id(probe) + _VERSION_OFFSET).value]
    for change in (lambda: probe.__setitem__("a", 2), lambda: probe.pop("a")):
        change()
        seen.append(_read_u64(id(probe) + _VERSION_OFFSET).value)
    return len(set(seen)) == 3 and all(seen)


_VERSIONS = _versions_readable()


def _dict_version(owner: Any) -> tuple[int, int] | None:
    """(address, version tag) of an owner's namespace, read without touching the objects in it."""
    if not _VERSIONS:
        return None
    address = _dict_address(owner) + _VERSION_OFFSET
    return address, _read_u64(address).value


def _owner_module(owner: Any) -> str:
    return (
        owner.__name__
        if isinstance(owner, types.ModuleType)
        else str(getattr(owner, "__module__", ""))
    )


def _label(owner: Any) -> str:
    return (
        owner.__name__
        if isinstance(owner, types.ModuleType)
        else f"{_owner_module(owner)}.{owner.__qualname__}"
    )


def _tag_reader(addresses: list[int]) -> tuple[Any, int, Any]:
    """How to read every version tag at once: an array type spanning the tags' addresses,
    where they start, and the getter of the tags' positions in it."""
    base = min(addresses)
    span = ctypes.c_uint64 * ((max(addresses) - base) // 8 + 1)
    return span, base, itemgetter(*[(a - base) // 8 for a in addresses])


def version_view(reader: tuple | None) -> Any:
    """A view over the guarded namespaces' version tags, or None where tags are unreadable.

    Made in the job's fork before any job code runs and kept only in the hook's closure: a
    job that reached it could write through it. One view for all tags: making a ctypes
    object raises an audit event and costs ~8 us, reading one of its items neither."""
    if reader is None:
        return None
    span, base, _ = reader
    return span.from_address(base)


def tampered_attributes(snapshot: tuple, view: Any = None) -> list[str]:
    """Trusted module and class attributes, or sys.modules entries, that changed since the
    zygote. `snapshot` is Trust.snapshot, `view` what version_view made of it."""
    attributes, entries, entry_names, entry_modules, tags, reader = snapshot
    out: list[str] = []
    # Fastest path, all in C: no guarded namespace was changed at all since the zygote's
    # snapshot. Reading version tags touches no object: comparing the attributes themselves
    # would write the reference count of each, and so copy ~700 pages in every fork.
    now = reader[2](view) if view is not None else None
    if now is None or now != tags:
        out.extend(_changed_attributes(attributes, now))
    if not all(map(is_, map(_MODULES.get, entry_names), entry_modules)):
        for name, module in entries.items():
            if _MODULES.get(name) is not module:
                out.append(f"sys.modules[{name!r}] was replaced")
    return out


def _changed_attributes(attributes: tuple, now: tuple | None) -> list[str]:
    """The slow path. Runs inside the hook, so it must never run job code: identities and
    exact types only, no attribute lookup on anything a job could have replaced, no lookup
    of a key a job chose (its __eq__ would run) before all keys are known to be strings."""
    out = []
    for i, (current, label, snapshot, values, mutable, bases, version) in enumerate(attributes):
        if now is not None and version is not None and now[i] == version[1]:
            continue
        # Fast path, all in C: same size and the very same objects in the same order. It
        # compares with `is`, not id(): id() raises an audit event, and the guard's own hook
        # would then run for each of the ~15,000 attributes at every observation.
        if len(current) == len(values) and all(map(is_, current.values(), values)):
            continue
        if not all(type(key) is str for key in list(current)):
            out.append(f"{label} was given a name that is not a string")
            continue
        for key, value in snapshot.items():
            if key not in mutable and current.get(key, _MISSING) is not value:
                out.append(f"{label}.{key} was replaced or removed")
                break
        if bases is not None and len(current) > len(snapshot):
            # New names are harmless (pytest itself caches flags on classes) unless they
            # shadow an inherited method or descriptor, which changes what the class does.
            for key, value in list(current.items()):
                if key in snapshot or not (callable(value) or _is_descriptor(value)):
                    continue
                if any(key in namespace for namespace in bases):
                    out.append(f"{label}.{key} was overridden")
                    break
    return out


_type_mro = vars(type)["__mro__"].__get__
_type_dict = vars(type)["__dict__"].__get__


def _is_descriptor(value: Any) -> bool:
    """Does value's class define __get__? Read through type's own getters: a job's metaclass
    could define __mro__ or __dict__ as properties that run its code."""
    return any("__get__" in _type_dict(t) for t in _type_mro(type(value)))


def _unserialisable(value: Any) -> str:
    # The hook's JSON encoder meets only plain data from trusted code; anything else is
    # named by a constant rather than by its repr, which would run the object's code.
    return "<unserialisable>"


def _make_hook(
    trust: Trust, fd: int, nonce: str, anchor: types.CodeType, scratch: str
) -> Callable[[str, tuple], None]:
    """The audit hook for one job. Called only in its sealed form (see _sealed_hook_factory),
    before any job code runs: every module attribute it needs is read here, once."""
    codes = trust.codes
    snapshot = tuple(trust.snapshot)
    view = version_view(snapshot[5])
    check = tampered_attributes
    anchor_id = id(anchor)
    report_code_id = id(Guard.report.__code__)
    getframe = sys._getframe
    write = os.write
    pack = protocol.HEADER.pack
    join = ",".join
    encoder = _c_make_encoder(
        {}, _unserialisable, _c_encode_str, None, ":", ",", False, False, True
    )

    def encode(obj: Any) -> str:
        return "".join(encoder(obj, 0))

    # `keep` holds the trusted code objects alive so that no later object reuses their ids.
    state: dict[str, Any] = {
        "obs": [],
        "denied": [],
        "tampered": [],
        "sent": False,
        "busy": False,
        "keep": (trust.keep, anchor),
    }

    def send(payload: dict) -> None:
        # {"nonce", "result", "guard"}: the observations were encoded as they were made.
        text = (
            '{"nonce":'
            + encode(nonce)
            + ',"result":'
            + encode(payload)
            + ',"guard":{"observations":['
            + join(state["obs"])
            + '],"denied":'
            + encode(state["denied"])
            + ',"tampered":'
            + encode(list(dict.fromkeys(state["tampered"]))[:10])
            + "}}"
        )
        body = text.encode("ascii")
        data = memoryview(pack(len(body)) + body)
        while data:
            data = data[write(fd, data) :]

    def stack_trusted(start: Any) -> bool:
        frame = start
        while frame is not None:
            cid = id(frame.f_code)
            if cid == anchor_id:
                return True
            if cid not in codes:
                return False
            frame = frame.f_back
        return False

    def is_job_file(filename: str) -> bool:
        # The standard library and other site packages are neutral; code the job brought
        # (its files, strings it exec'd) counts. A job cannot pass its code off as a
        # library's: compiling under a real path outside scratch is refused below.
        return filename.startswith(scratch) or not filename.startswith(("/", "<frozen"))

    def spoofs_a_file(source: Any, filename: Any) -> bool:
        """Compiling code under a real file's name is fine only with that file's own text
        (the import system does exactly that for a module without a cached .pyc)."""
        if (
            type(filename) is not str
            or not filename.startswith("/")
            or filename.startswith(scratch)
        ):
            return False
        if type(source) is str:
            source = source.encode("utf-8")
        if type(source) is not bytes:
            return True
        try:
            with open(filename, "rb") as fh:
                return fh.read() != source
        except OSError:
            return True

    def job_on_stack(start: Any) -> bool:
        frame = start
        while frame is not None:
            cid = id(frame.f_code)
            if cid == anchor_id:
                return False
            if cid not in codes and is_job_file(frame.f_code.co_filename):
                return True
            frame = frame.f_back
        return False

    def deny(event: str) -> None:
        state["denied"].append(event)
        raise RuntimeError(f"blocked by the sandbox guard: {event}")

    def hook(event: str, args: tuple) -> None:
        if state["busy"]:
            return
        if event.startswith("assay."):
            state["busy"] = True
            try:
                caller = getframe(1)
                if event == "assay.observe":
                    if stack_trusted(caller):
                        state["obs"].append(encode(args[0]))
                        state["tampered"].extend(check(snapshot, view))
                    else:
                        state["tampered"].append("observation from untrusted code")
                elif event == "assay.report":
                    if (
                        id(caller.f_code) == report_code_id
                        and stack_trusted(caller)
                        and not state["sent"]
                    ):
                        state["sent"] = True
                        state["tampered"].extend(check(snapshot, view))
                        send(args[0])
                    else:
                        state["tampered"].append("report from untrusted code")
            finally:
                state["busy"] = False
            return
        if event in ("object.__getattr__", "object.__setattr__") or event in DENIED_TO_JOB_CODE:
            # Frames and code objects: refused to job code itself; pytest, the tracer and
            # libraries legitimately use them while job frames are further down the stack.
            # (Class attribute writes raise no event; the integrity snapshot covers them.)
            names = FRAME_ATTRS if event == "object.__getattr__" else DENIED_WRITES
            if event in DENIED_TO_JOB_CODE or (
                len(args) > 1 and type(args[1]) is str and args[1] in names
            ):
                state["busy"] = True
                try:
                    caller = getframe(1)
                    job_caller = id(caller.f_code) not in codes and is_job_file(
                        caller.f_code.co_filename
                    )
                finally:
                    state["busy"] = False
                if job_caller:
                    deny(event if event in DENIED_TO_JOB_CODE else f"{event} {args[1]}")
            return
        sensitive = (
            event in DENIED_EVENTS
            or event.startswith("ctypes.")
            or (event == "compile" and spoofs_a_file(args[0], args[1]))
        )
        if not sensitive:
            return
        state["busy"] = True
        try:
            on_stack = job_on_stack(getframe(1))
        finally:
            state["busy"] = False
        if on_stack:
            deny(event)

    return hook


# What the hook runs: re-made over a private namespace (see _sealed_hook_factory).
_SEALED = (
    "_make_hook",
    "tampered_attributes",
    "_changed_attributes",
    "_is_descriptor",
    "_unserialisable",
)


def _sealed_hook_factory() -> Callable[..., Callable[[str, tuple], None]]:
    """_make_hook and the functions the hook calls, re-made over private copies of this
    module's globals and of the builtins, taken now (in the zygote, before any job code).
    A job can rebind any name in this module or in `builtins`; a function whose globals
    are a dict that nothing the job can reach refers to does not see it."""
    namespace = dict(globals())
    namespace["__builtins__"] = dict(vars(builtins))
    for name in _SEALED:
        f = namespace[name]
        namespace[name] = types.FunctionType(
            f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__
        )
    return namespace["_make_hook"]


class Guard:
    """Installs the hook for one job; its methods are the only doors into the hook's state."""

    def __init__(
        self, trust: Trust, fd: int, nonce_fd: int, anchor: types.CodeType, scratch: str
    ) -> None:
        self._install(trust, fd, nonce_fd, anchor, scratch)

    def _install(
        self, trust: Trust, fd: int, nonce_fd: int, anchor: types.CodeType, scratch: str
    ) -> None:
        # The nonce is created by the zygote after the fork and read straight into the
        # hook's closure: no frame, global or object the job can reach ever holds it.
        nonce = protocol.read_exact(nonce_fd, 32).decode("ascii")
        os.close(nonce_fd)
        sys.addaudithook(trust.make_hook(trust, fd, nonce, anchor, scratch))

    @staticmethod
    def observe(record: dict) -> None:
        sys.audit("assay.observe", record)

    @staticmethod
    def report(payload: dict) -> None:
        sys.audit("assay.report", payload)


def close_other_fds(keep: Iterable[int]) -> None:
    keep = sorted(set(keep))
    low = 3
    for fd in keep:
        if fd >= low:
            os.closerange(low, fd)
        low = max(low, fd + 1)
    os.closerange(low, 65536)
