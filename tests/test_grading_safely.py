"""Grading as instructors run it: confinement in every layout of a course, no grader secret
reaching a learner, no hidden test reaching feedback, and honest accidents still graded."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pmtech.grading.batch import grade_assignment
from pmtech.grading.hidden import BEGIN, END
from pmtech.grading.reasons import failure_reason
from pmtech.grading.sandbox import why_not_confined
from pmtech.nbcells import is_graded, is_solution
from pmtech.release import nbgrader_env

from .nbhelpers import fill, grade_id, make_course, solutions_of, total_scores

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01-working-with-engineers"
FULL = 15.0
SECRET = "grader-secret-4b1f9e0c"

confined = pytest.mark.skipif(why_not_confined() is not None, reason=str(why_not_confined()))
pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A course (config and source only) with the assignment generated, and its notebooks."""
    course = tmp_path_factory.mktemp("safely-template")
    return (course, *make_course(course, ASSIGNMENT))


def submit(course: Path, name: str, student: str, nb) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, str):
        (folder / name).write_text(nb)
    else:
        nbformat.write(nb, folder / name)


# ---------------------------------------------------------------------------- layouts


def venv_copy(target: Path) -> Path:
    """This virtual environment, copied elsewhere as a regular (non-editable) install:
    hard links where the file system allows, the package copied into site-packages."""
    source = Path(sys.prefix)

    def link_or_copy(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy)
    (site,) = (target / "lib").glob("python3*/site-packages")
    for editable in [*site.glob("__editable__*pmtech*"), *site.glob("pmtech-*.dist-info")]:
        editable.unlink() if editable.is_file() else shutil.rmtree(editable)
    shutil.copytree(REPO / "pmtech", site / "pmtech", ignore=shutil.ignore_patterns("__pycache__"))
    return target / "bin" / "python"


def run_with(python: str, course: Path, *args: str) -> subprocess.CompletedProcess:
    """``python *args`` in the course folder, that Python's bin folder first on PATH."""
    env = nbgrader_env()
    env["PATH"] = str(Path(python).parent) + os.pathsep + env["PATH"]
    return subprocess.run(
        [python, *args], cwd=course, env=env, capture_output=True, text=True, timeout=300
    )


LAYOUTS = ["course-folder", "course-with-own-package", "regular-install-private-venv"]


def course_in_layout(template, tmp_path: Path, layout: str) -> tuple[Path, str]:
    """A copy of the course with one full submission, laid out as ``layout``; returns the
    course folder and the Python to grade it with."""
    base, name, release, source = template
    course = tmp_path / "course"
    shutil.copytree(base, course)
    submit(course, name, "full", fill(release, solutions_of(source)))
    python = sys.executable
    if layout == "course-with-own-package":
        # nbgrader (and `python -c`) put the course folder first on the path: the grader
        # imports this copy, while the kernel's Python alone would import the editable one.
        shutil.copytree(REPO / "pmtech", course / "pmtech")
    elif layout == "regular-install-private-venv":
        private = tmp_path / "private"
        private.mkdir(mode=0o700)
        python = str(venv_copy(private / "venv"))
    return course, python


@confined
@pytest.mark.parametrize("layout", LAYOUTS)
def test_stock_nbgrader_grades_confined_in_every_layout(template, tmp_path, layout):
    """Does stock `nbgrader autograde` grade a full solution, confined, wherever the course,
    the package and the virtual environment live?"""
    course, python = course_in_layout(template, tmp_path, layout)
    done = run_with(python, course, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    assert total_scores(course) == {"full": FULL}


@confined
@pytest.mark.parametrize("layout", LAYOUTS)
def test_pmtech_grade_grades_confined_in_every_layout(template, tmp_path, layout):
    """Does `pmtech grade` (feedback on) give full marks, confined, in the same layouts?"""
    course, python = course_in_layout(template, tmp_path, layout)
    code = f"from pmtech.cli import main; raise SystemExit(main(['grade', {ASSIGNMENT!r}]))"
    done = run_with(python, course, "-c", code)
    assert done.returncode == 0, done.stdout + done.stderr
    assert total_scores(course) == {"full": FULL}
    assert list((course / "feedback" / "full" / ASSIGNMENT).glob("*.html"))


@confined
def test_a_kernel_that_cannot_start_says_why(monkeypatch, tmp_path):
    from pmtech.grading import sandbox
    from pmtech.grading.budget import BudgetedExecute

    monkeypatch.setattr(sandbox, "INNER", Path("no-such-launcher.py"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "py"}
    step = BudgetedExecute(sandbox="required", startup_timeout=30)
    with pytest.raises(RuntimeError, match=r"could not start .*\n.*no-such-launcher\.py"):
        step.preprocess(nb, {"metadata": {"path": str(tmp_path)}})


def test_the_real_reason_of_a_failure_is_found_in_nbgrader_s_log():
    log = (
        "[INFO] Sanitizing x.ipynb\n"
        "[ERROR] Error occurred while starting new kernel client for kernel k: died\n"
        "[ERROR] There was an error processing assignment: /c/submitted/a/x\n"
        "[ERROR] Traceback (most recent call last):\n"
        '      File "x.py", line 1, in f\n'
        "    RuntimeError: the learner's kernel could not start (died); it said:\n"
        "    ImportError: no module named ipykernel\n"
        "[ERROR] Please see the the above traceback for details.\n"
    )
    reason = failure_reason(log, "NbGraderException: Please see the above traceback")
    assert reason.startswith("RuntimeError: the learner's kernel could not start")
    assert "no module named ipykernel" in reason
    assert failure_reason("[ERROR] Notebook does not appear to be JSON: ''") == (
        "Notebook does not appear to be JSON: ''"
    )
    assert "unknown" in failure_reason("", "")


# ---------------------------------------------------------------------------- one batch

# The snooper spells the secret backwards, so only a real leak puts it in an output.
SNOOP_ENV = f"""
import os, glob
TARGET = {SECRET[::-1]!r}[::-1]
found = []
for key, value in os.environ.items():
    if TARGET in key + value:
        found.append("environ:" + key)
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        if TARGET.encode() in open(path, "rb").read():
            found.append(path)
    except OSError:
        pass
for root in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/run", "/etc"):
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                if TARGET.encode() in open(os.path.join(folder, name), "rb").read(1 << 20):
                    found.append(os.path.join(folder, name))
            except OSError:
                pass
print("SNOOPED-ENV", len(found), found, sorted(os.environ))
"""

LEAK_HISTORY = """
import linecache
_seen = list(get_ipython().user_ns.get("In", []))
_hist = [c for _, _, c in get_ipython().history_manager.get_range(output=False)]
_cached = [''.join(linecache.getlines(f)) for f in list(linecache.cache)]
print("LEAKED" + "-HISTORY", "\\n".join(_seen + _hist + _cached))
"""


def record_calls(name: str) -> str:
    """A wrapper that records every call of the learner's ``name`` and what its result
    is compared with (an overloaded ==), for a later cell to print."""
    return f"""
_calls = []
_real_{name} = {name}
class _Spy(tuple):
    def __eq__(self, other):
        _calls.append(("compared" + " with", other))
        return tuple.__eq__(self, other)
    __hash__ = tuple.__hash__
def {name}(*args, **kwargs):
    _calls.append(("called with", args, kwargs))
    result = _real_{name}(*args, **kwargs)
    return _Spy(result) if isinstance(result, tuple) else result
"""


def hidden_lines(source_nb) -> list[str]:
    """Every line of the source notebook's hidden tests that says something."""
    lines = []
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip().startswith(BEGIN):
                inside = True
            elif line.strip().startswith(END):
                inside = False
            elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
                lines.append(line.strip())
    return lines


def answer_cells(nb) -> list[int]:
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (grade_id(c) or "").endswith("-answer")
    ]


def accident_notebooks(release, answers) -> dict:
    """Full solutions carrying the accidents honest learners make."""
    full = fill(release, answers)
    first = answer_cells(full)[0]
    test_index = next(i for i, c in enumerate(full.cells) if i > first and is_graded(c))
    dup_solution = nbformat.from_dict(full)
    copy = nbformat.from_dict(dup_solution.cells[first])
    copy["id"] = "copied-solution"
    dup_solution.cells.insert(first + 1, copy)
    dup_test = nbformat.from_dict(full)
    copy = nbformat.from_dict(dup_test.cells[test_index])
    copy["id"] = "copied-test"
    dup_test.cells.insert(test_index + 1, copy)
    stray = nbformat.from_dict(full)
    pasted = nbformat.from_dict(stray.cells[first])
    pasted["id"] = "pasted-cell"
    pasted.metadata["nbgrader"]["grade_id"] = "databases-3-from-another-assignment"
    stray.cells.append(pasted)
    no_ids = nbformat.from_dict(full)
    for cell in no_ids.cells:
        cell.pop("id", None)
    no_ids.nbformat_minor = 4
    old_tools = nbformat.from_dict(no_ids)
    for cell in old_tools.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["schema_version"] = 2  # nbgrader's older metadata
            cell.metadata["nbgrader"].pop("task", None)
    moved = nbformat.from_dict(full)
    written = next(
        i for i, c in enumerate(moved.cells) if c.cell_type == "markdown" and is_solution(c)
    )
    moved.cells.append(moved.cells.pop(written))
    return {
        "dup-solution": dup_solution,
        "dup-test": dup_test,
        "stray-cell": stray,
        "no-cell-ids": no_ids,
        "older-tools": old_tools,
        "moved-cell": moved,
    }


@pytest.fixture(scope="module")
def batch(template, tmp_path_factory):
    """One `pmtech grade` run (confinement as the machine allows, feedback on) over the
    snoopers, the hidden-test channels and the honest accidents, with a secret in the
    grader's environment."""
    base, name, release, source = template
    course = tmp_path_factory.mktemp("safely-batch")
    shutil.copytree(base, course, dirs_exist_ok=True)
    answers = solutions_of(source)
    full = fill(release, answers)
    notebooks = {"honest-full": full, **accident_notebooks(release, answers)}
    snoop = fill(release, answers)
    first = answer_cells(snoop)[0]
    snoop.cells[first].source = SNOOP_ENV + "\n" + snoop.cells[first].source
    notebooks["snoop-env"] = snoop
    channels = fill(release, answers)
    cells = answer_cells(channels)
    function = re.search(r"def (\w+)\(", channels.cells[cells[0]].source).group(1)
    channels.cells[cells[0]].source += "\n" + record_calls(function)
    channels.cells[cells[-1]].source += (
        LEAK_HISTORY + "\nprint('LEAKED' + '-CALLS', _calls)\n"
    )  # the last answer runs after hidden tests
    notebooks["hidden-channels"] = channels
    notebooks["corrupt-file"] = '{"cells": [ this is not json'
    with_files = fill(release, answers)
    with_files.cells[first].source = (
        "import learner_helpers\nassert learner_helpers.VALUE == 42\n"
        + with_files.cells[first].source
    )
    notebooks["with-files"] = with_files
    for student, nb in notebooks.items():
        submit(course, name, student, nb)
    files = course / "submitted" / "with-files" / ASSIGNMENT
    (files / "learner_helpers.py").write_text("VALUE = 42\n")
    for shadow in ("ipykernel_launcher.py", "math.py", "json.py"):  # would break the kernel
        (files / shadow).write_text("raise SystemExit('a learner file replaced a module')\n")
    os.environ["PMTECH_TEST_SECRET"] = SECRET
    try:
        summary = grade_assignment(course, ASSIGNMENT, jobs=2, cell_timeout=20, notebook_budget=60)
    finally:
        del os.environ["PMTECH_TEST_SECRET"]
    return course, summary, source


def feedback_text(course: Path, student: str) -> str:
    (page,) = (course / "feedback" / student / ASSIGNMENT).glob("*.html")
    return html.unescape(page.read_text())


def autograded_text(course: Path, student: str) -> str:
    (nb,) = (course / "autograded" / student / ASSIGNMENT).glob("*.ipynb")
    return nb.read_text()


def test_no_secret_of_the_grader_reaches_a_learner(batch):
    course, summary, _ = batch
    assert "snoop-env" in {o.student for o in summary.graded}
    printed = autograded_text(course, "snoop-env")
    assert "SNOOPED-ENV 0 []" in printed, "the submission found the grader's secret"
    for student in ("snoop-env", "honest-full"):
        assert SECRET not in autograded_text(course, student)
        assert SECRET not in feedback_text(course, student)
    assert "PMTECH_TEST_SECRET" not in printed


def test_no_hidden_test_reaches_feedback_through_the_learner_s_own_cells(batch):
    course, _, source = batch
    hidden = hidden_lines(source)
    assert hidden, "the assignment has hidden tests"
    graded = autograded_text(course, "hidden-channels")
    # The channels were live: the instructor's copy shows what the learner's code saw.
    assert "LEAKED-HISTORY" in graded and "compared with" in graded
    assert any(line in html.unescape(graded) for line in hidden)
    feedback = feedback_text(course, "hidden-channels")
    leaked = [line for line in hidden if line in feedback]
    assert leaked == [], f"hidden test lines in feedback: {leaked[:3]}"
    assert "LEAKED-" not in feedback and "compared with" not in feedback
    assert "this cell ran after hidden tests" in feedback


@pytest.mark.parametrize(
    "student",
    ["dup-solution", "dup-test", "stray-cell", "no-cell-ids", "older-tools", "moved-cell"],
)
def test_an_honest_accident_still_earns_full_marks(batch, student):
    course, summary, _ = batch
    assert student in {o.student for o in summary.graded}, summary.lines()
    assert total_scores(course)[student] == FULL


@pytest.mark.parametrize(
    "student, found",
    [
        ("dup-solution", "copy of the graded cell"),
        ("dup-test", "copy of the graded cell"),
        ("stray-cell", "'databases-3-from-another-assignment' is not a graded cell"),
    ],
)
def test_what_was_set_aside_is_told_to_the_learner_and_the_instructor(batch, student, found):
    course, summary, _ = batch
    notes = {o.student: " ".join(o.timeouts) for o in summary.graded}
    assert found in notes[student] and "set aside" in notes[student]
    feedback = feedback_text(course, student)
    assert "Note from the grader." in feedback and found in feedback
    assert "Note from the grader." not in feedback_text(course, "honest-full")


def test_learner_files_import_but_never_replace_a_module(batch):
    """A helper module in the submission imports; files named like the kernel's launcher or
    standard modules do not replace them (the learner's folder comes last on the path)."""
    course, summary, _ = batch
    assert "with-files" in {o.student for o in summary.graded}, summary.lines()
    assert total_scores(course)["with-files"] == FULL
    assert "replaced a module" not in autograded_text(course, "with-files")


def test_every_failure_carries_its_real_reason(batch):
    _, summary, _ = batch
    failed = {o.student: o.reason for o in summary.failed}
    assert set(failed) == {"corrupt-file"}
    assert "JSON" in failed["corrupt-file"] and "Please see" not in failed["corrupt-file"]
    assert "corrupt-file: " + failed["corrupt-file"] in "\n".join(summary.lines())
