"""Keep a learner's code from changing how the tests are judged.

A submission runs in the same Python process as the tests that grade it, so it can try to
win without solving anything: shadow ``isinstance`` or ``sorted`` with a function that
always agrees, patch ``math.isclose`` or the builtins, replace the names the tests read from
the notebook's locked setup cells, hide tracebacks, or patch the kernel so that every cell
reports success. Before each test cell the grader therefore (1) restores the builtins, a set
of standard modules, IPython's and the kernel's machinery and the names the locked setup
cells defined, then removes globals that shadow builtins, and (2) runs a probe that must
fail in a known way. If the probe does not fail exactly as expected, the kernel can no
longer be trusted: that test and every later one score zero, with a message that says why.

This is defence in depth: the sandbox (``sandbox.py``) keeps submissions away from the
course's files; the guard keeps them from forging results inside their own process. The
snapshot lives under a random name made for each grading run.
"""

from __future__ import annotations

import ast
import secrets

TAMPERED_ENAME = "GraderTampered"
TAMPERED_MESSAGE = (
    "Not graded: code in this notebook changed how Python or the kernel reports results "
    "(builtins, IPython or the kernel were patched), so test results cannot be trusted."
)
MODULES = (
    "math",
    "statistics",
    "json",
    "re",
    "random",
    "collections",
    "itertools",
    "functools",
    "operator",
    "sqlite3",
    "time",
    "datetime",
    "decimal",
    "fractions",
)

_INSTALL = """
def __pmtech_make_guard():
    import builtins, sys, importlib
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    owners = [o for o in (shell, kernel) if o is not None]
    snap_builtins = dict(vars(builtins))
    snap_modules = {m: dict(vars(sys.modules[m])) for m in MODULES if m in sys.modules}
    classes = []
    for obj in owners:
        for cls in type(obj).__mro__:
            if cls.__module__.split(".")[0] in ("IPython", "ipykernel", "jupyter_client"):
                classes.append((cls, dict(vars(cls))))
    instances = [(o, {k: v for k, v in vars(o).items() if callable(v)}) for o in owners]
    trusted = {}
    user_ns = shell.user_ns
    setattr_, delattr_, list_, vars_, callable_ = setattr, delattr, list, vars, callable
    errors_ = (AttributeError, TypeError)

    def restore():
        bdict = vars_(builtins)
        for key in list_(bdict):
            if key not in snap_builtins and key != TOKEN:
                del bdict[key]
        bdict.update(snap_builtins)
        for name, saved in snap_modules.items():
            module = sys.modules.get(name)
            if module is not None:
                vars_(module).update(saved)
        for cls, saved in classes:
            for key in list_(vars_(cls)):
                if key not in saved:
                    try:
                        delattr_(cls, key)
                    except errors_:
                        pass
            for key, value in saved.items():
                if vars_(cls).get(key) is not value:
                    try:
                        setattr_(cls, key, value)
                    except errors_:
                        pass
        for obj, saved in instances:
            current = vars_(obj)
            for key in list_(current):
                if callable_(current[key]) and key not in saved:
                    del current[key]
            current.update(saved)
        user_ns.update(trusted)
        for key in list_(user_ns):
            if key in snap_builtins and key not in trusted and not key.startswith("_"):
                del user_ns[key]

    def trust(names):
        for name in names:
            if name in user_ns:
                trusted[name] = user_ns[name]

    return restore, trust

__pmtech_restore, __pmtech_trust = __pmtech_make_guard()
__import__("builtins").__dict__[TOKEN] = (__pmtech_restore, __pmtech_trust)
del __pmtech_make_guard, __pmtech_restore, __pmtech_trust
"""


def defined_names(source: str) -> list[str]:
    """Top-level names a cell defines (assignments, imports, functions, classes)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return sorted(set(names))


class Guard:
    """The kernel-side code for one grading run, under a fresh random name."""

    def __init__(self):
        self.token = "_pmtech_guard_" + secrets.token_hex(8)
        self.probe = "probe-" + secrets.token_hex(8)

    def install_code(self) -> str:
        """Code that snapshots the trusted state; run once before the first cell."""
        return _INSTALL.replace("MODULES", repr(MODULES)).replace("TOKEN", repr(self.token))

    def trust_code(self, source: str) -> str | None:
        """Code that records the names a locked setup cell defined (None if it defines none)."""
        names = defined_names(source)
        if not names:
            return None
        return f"{self.token}[1]({names!r})"

    def restore_and_probe_code(self) -> str:
        """Code run before each test cell: restore, then fail in a way only we know."""
        return f"{self.token}[0]()\nraise AssertionError({self.probe!r})"

    def probe_failed_as_expected(self, outputs) -> bool:
        """True when the probe's outputs show exactly our AssertionError and nothing else."""
        errors = [o for o in outputs if o.get("output_type") == "error"]
        return (
            len(errors) >= 1
            and all(o.get("ename") == "AssertionError" for o in errors)
            and any(o.get("evalue") == self.probe for o in errors)
        )
