"""The sandbox's own decisions: when it can confine, what it stages, how it warns."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pmtech.grading import sandbox
from pmtech.grading.guard import Guard, defined_names


def test_why_not_confined_names_the_missing_piece(monkeypatch):
    monkeypatch.setattr(sandbox.sys, "platform", "linux")
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    assert "bubblewrap is not installed" in sandbox.why_not_confined()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    assert "needs root" in sandbox.why_not_confined()
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox, "_BWRAP_CHECKED", ["bubblewrap cannot create namespaces here"])
    assert "cannot create namespaces" in sandbox.why_not_confined()


def test_unconfined_grading_warns_once(monkeypatch):
    monkeypatch.setattr(sandbox, "_WARNED", False)
    with pytest.warns(UserWarning, match="NOT isolated"):
        sandbox.warn_unconfined_once("no bubblewrap")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sandbox.warn_unconfined_once("no bubblewrap")  # silent the second time


def test_required_sandbox_refuses_to_grade_unconfined(monkeypatch):
    from pmtech.grading.budget import BudgetedExecute

    monkeypatch.setattr(sandbox, "why_not_confined", lambda: "no bubblewrap here")
    with pytest.raises(RuntimeError, match="cannot confine learners' kernels: no bubblewrap"):
        BudgetedExecute(sandbox="required")
    with pytest.raises(ValueError, match="auto, required or off"):
        BudgetedExecute(sandbox="sometimes")


def test_staged_files_never_include_a_notebook(tmp_path):
    work, staged = tmp_path / "work", tmp_path / "staged"
    (work / "data").mkdir(parents=True)
    (work / "assignment.ipynb").write_text("{hidden tests}")
    (work / "data" / "prices.csv").write_text("a,b")
    (work / ".ipynb_checkpoints").mkdir()
    (work / ".ipynb_checkpoints" / "x.txt").write_text("old")
    staged.mkdir()
    sandbox.stage_files(str(work), str(staged))
    assert sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*")) == [
        "data",
        "data/prices.csv",
    ]


def test_confine_command_hides_the_course_and_drops_privileges():
    cmd = sandbox.confine_command(["python", "-m", "ipykernel"], "/c/work", "/i", "/s")
    text = " ".join(cmd)
    assert "--unshare-net" in cmd and "--unshare-pid" in cmd and "--die-with-parent" in cmd
    assert "--ro-bind /s /submission" in text and "--bind /i /i" in text
    assert "--tmpfs /c/work" in text and f"--reuid={sandbox.slot_uid()}" in text
    assert "/c " not in text  # the course folder itself is never bound


def test_guard_knows_what_a_setup_cell_defines():
    source = (
        "import random as rnd\nfrom math import isclose\nx = y = 3\ndef f(): pass\nclass C: pass"
    )
    assert defined_names(source) == ["C", "f", "isclose", "rnd", "x", "y"]
    guard = Guard()
    assert guard.token in guard.install_code() and guard.probe in guard.restore_and_probe_code()
    good = [{"output_type": "error", "ename": "AssertionError", "evalue": guard.probe}]
    assert guard.probe_failed_as_expected(good)
    assert not guard.probe_failed_as_expected([])
    assert not guard.probe_failed_as_expected([{"output_type": "error", "ename": "NameError"}])


def test_grade_refuses_when_confinement_is_required_but_impossible(monkeypatch, tmp_path):
    from pmtech.grading import GradingError
    from pmtech.grading.batch import _say_if_unconfined

    monkeypatch.setattr(sandbox, "why_not_confined", lambda: "no bubblewrap here")
    with pytest.raises(GradingError, match="cannot confine"):
        _say_if_unconfined("required")
    _say_if_unconfined("off")  # says nothing


def test_grade_says_once_on_the_terminal_when_unconfined(monkeypatch, capsys):
    from pmtech.grading.batch import _say_if_unconfined

    monkeypatch.setattr(sandbox, "why_not_confined", lambda: "no bubblewrap here")
    _say_if_unconfined("auto")
    assert "NOT isolated" in capsys.readouterr().err


def test_a_kernel_s_environment_holds_nothing_of_the_grader_s(monkeypatch):
    from pmtech.grading.kernelenv import PASSED_THROUGH, kernel_env

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-learners")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    env = kernel_env("/home/learner", "/lib/pmtech")
    assert "not-for-learners" not in " ".join(env.values())
    assert set(env) <= {
        "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "PYTHONSAFEPATH",
        "PYTHONDONTWRITEBYTECODE", "MPLCONFIGDIR", *PASSED_THROUGH,
    }  # fmt: skip
    assert env["NBGRADER_EXECUTION"] == "autograde" and env["PYTHONSAFEPATH"] == "1"


def test_an_unconfined_kernel_starts_from_the_minimal_environment_too(monkeypatch, tmp_path):
    """Even with confinement off, a printed os.environ shows no secret of the grader's, and
    the kernel imports the grader's own pmtech package."""
    import nbformat

    from pmtech.grading.budget import BudgetedExecute
    from pmtech.grading.kernelenv import PACKAGE_DIR

    monkeypatch.setenv("GRADER_DB_PASSWORD", "hunter2-" + "x" * 8)
    code = (
        "import os, pmtech\nprint(sorted(os.environ.items()))\n"
        "print(os.path.realpath(pmtech.__file__))"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "py"}
    out, _ = BudgetedExecute(sandbox="off").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    text = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert "hunter2" not in text and "GRADER_DB_PASSWORD" not in text
    assert "PYTHONSAFEPATH" in text
    imported = text.strip().splitlines()[-1]
    assert Path(imported).resolve().parent == PACKAGE_DIR
