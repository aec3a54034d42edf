"""A cohort on a real JupyterHub: real Unix accounts, nbgrader's own exchange, Chromium.

One hub for the module, started with ``pmtech hub`` as an instructor would (as root). The
instructor releases an assignment; learner 1 fetches and submits it in JupyterLab's
Assignments list in the browser; learners 2 and 3 use nbgrader's commands as their own Unix
users; the instructor collects, grades with ``pmtech grade``, releases feedback, and grades a
written answer by hand in the formgrader, in the browser.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from pmtech.nbcells import grade_id, is_solution

from .hubhelpers import log_in as hub_log_in
from .hubhelpers import run_as, running_hub
from .nbhelpers import solutions_of
from .servers import CHROMIUM, CHROMIUM_ARGS, require_chromium

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
ASSIGNMENT = "01-working-with-engineers"
COURSE_ID = "pm-technical-interview"
INSTRUCTOR = "pmtteach"
LEARNERS = ("pmtl1", "pmtl2", "pmtl3")
INTRUDER = "pmtx"  # an account of the machine, not of the course
ROOT = Path("/srv/pmtech-hub-test")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not sys.platform.startswith("linux"),
    reason="a hub creates Unix accounts and switches to them: Linux, as root",
)


def as_user(user: str, command: str, cwd: str = "~", check: bool = True) -> str:
    """Run a shell command as ``user`` in the hub's environment, with their role's config."""
    role = "instructor" if user == INSTRUCTOR else "learner"  # the intruder copies a learner's
    done = run_as(user, ROOT / "run" / "config" / role, command, cwd)
    if check and done.returncode != 0:
        raise AssertionError(f"{user}: {command} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def fill_as(user: str, answers: dict[str, str]) -> None:
    """Write ``answers`` into the learner's fetched copy of the assignment, as the learner."""
    path = f"~/pm-course/{COURSE_ID}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    script = (
        "import json, sys, nbformat\n"
        f"p = __import__('os').path.expanduser({path!r})\n"
        "nb = nbformat.read(p, 4)\n"
        "answers = json.load(sys.stdin)\n"
        "for c in nb.cells:\n"
        "    gid = c.get('metadata', {}).get('nbgrader', {}).get('grade_id')\n"
        "    if gid in answers:\n"
        "        c.source = answers[gid]\n"
        "nbformat.write(nb, p)\n"
    )
    done = run_as(
        user,
        ROOT / "run" / "config" / "learner",
        f"python -c {shlex.quote(script)}",
        stdin=json.dumps(answers),
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def hub():
    """The course's hub, started by ``pmtech hub`` as root, with fresh accounts."""
    require_chromium()
    keep = bool(os.environ.get("PMTECH_KEEP_HUB_ACCOUNTS"))
    with running_hub(ROOT, INSTRUCTOR, LEARNERS, keep_accounts=keep) as running:
        yield running


def log_in(browser, hub, user: str):
    """A page of ``user``'s JupyterLab, signed in through the hub."""
    return hub_log_in(browser, hub["base"], user)


@pytest.fixture(scope="module")
def browser(hub):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"hub-{name}.png"))


def gradebook(query: str, args=()) -> list:
    import sqlite3

    path = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / COURSE_ID / "gradebook.db"
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def seconds_late() -> dict[str, float]:
    """How late each learner's submission is, as nbgrader's gradebook says."""
    from nbgrader.api import Gradebook

    path = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / COURSE_ID / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", COURSE_ID) as gb:
        return {s.student.id: s.total_seconds_late for s in gb.assignment_submissions(ASSIGNMENT)}


def manual_score(cell: str, student: str) -> float | None:
    """The hand-given score of one graded cell of one learner's submission."""
    from nbgrader.api import Gradebook

    path = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / COURSE_ID / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", COURSE_ID) as gb:
        return gb.find_grade(cell, ASSIGNMENT, ASSIGNMENT, student).manual_score


SOURCE = nbformat.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
ANSWERS = {k: v for k, v in solutions_of(SOURCE).items() if k.endswith("-answer")}


def test_release_fetch_submit_collect_grade_and_return(hub, browser):
    """The whole term in one pass: release, three learners hand in (one in the browser, one
    late, one twice), the instructor collects, grades, and the learners get feedback."""
    course = f"~/{COURSE_ID}"
    as_user(INSTRUCTOR, f"nbgrader generate_assignment {ASSIGNMENT} --force", course)
    as_user(INSTRUCTOR, f"nbgrader release_assignment {ASSIGNMENT}", course)

    # Learner 1: the Assignments list in JupyterLab fetches; the answers go in; it submits.
    learner = log_in(browser, hub, LEARNERS[0])
    learner.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)  # 00-start-here
    learner.get_by_text("Nbgrader", exact=True).click()
    learner.get_by_text("Assignment List", exact=True).click()
    fetch = learner.locator("#released_assignments_list button", has_text="Fetch")
    fetch.first.wait_for(timeout=60_000)
    fetch.first.click()
    learner.locator("#fetched_assignments_list").get_by_text(ASSIGNMENT).first.wait_for()
    fill_as(LEARNERS[0], ANSWERS)
    learner.locator(".lm-TabBar-tab", has_text="Assignments").first.click()
    learner.locator("#fetched_assignments_list button", has_text="Submit").first.click()
    learner.locator("#submitted_assignments_list").get_by_text(ASSIGNMENT).first.wait_for(
        timeout=60_000
    )
    shot(learner, "assignments-list")
    learner.close()

    # The due date passes; learner 2 hands in late, by nbgrader's commands, as their account.
    due = datetime.now(timezone.utc) + timedelta(seconds=2)
    as_user(
        INSTRUCTOR,
        f"nbgrader db assignment add {ASSIGNMENT} --duedate='{due:%Y-%m-%d %H:%M:%S} UTC'",
        course,
    )
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 1)
    as_user(LEARNERS[1], f"nbgrader fetch_assignment {ASSIGNMENT}", "~/pm-course")
    fill_as(LEARNERS[1], ANSWERS)
    as_user(LEARNERS[1], f"nbgrader submit {ASSIGNMENT}", "~/pm-course")
    # Learner 3 hands in a blank copy first.
    as_user(LEARNERS[2], f"nbgrader fetch_assignment {ASSIGNMENT}", "~/pm-course")
    as_user(LEARNERS[2], f"nbgrader submit {ASSIGNMENT}", "~/pm-course")

    # Any account on the machine can drop a submission into the exchange; only the roster's
    # learners are graded.
    subprocess.run(["userdel", "--remove", INTRUDER], capture_output=True)  # a failed run's
    subprocess.run(["useradd", "--create-home", INTRUDER], check=True)
    try:
        as_user(INTRUDER, f"nbgrader fetch_assignment {ASSIGNMENT}")
        as_user(INTRUDER, f"nbgrader submit {ASSIGNMENT}")
    finally:
        subprocess.run(["userdel", "--remove", INTRUDER], capture_output=True)

    as_user(INSTRUCTOR, f"nbgrader collect {ASSIGNMENT}", course)
    course_dir = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / COURSE_ID
    grade = [sys.executable, "-m", "pmtech.cli", "grade", ASSIGNMENT]
    done = subprocess.run(grade, cwd=course_dir, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr  # one failure: the intruder
    assert f"{INTRUDER}: not in the gradebook's roster" in done.stdout, done.stdout
    assert (course_dir / "submitted" / INTRUDER / ASSIGNMENT).is_dir()  # kept
    scores = dict(
        gradebook(
            "SELECT a.student_id, sum(coalesce(g.auto_score, 0)) FROM grade g "
            "JOIN submitted_notebook s ON g.notebook_id = s.id "
            "JOIN submitted_assignment a ON s.assignment_id = a.id GROUP BY a.student_id"
        )
    )
    top = sum(
        float(c.metadata["nbgrader"]["points"])
        for c in SOURCE.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
    )
    assert scores == {LEARNERS[0]: top, LEARNERS[1]: top, LEARNERS[2]: 0.0}
    late = seconds_late()
    assert late[LEARNERS[0]] == 0 and late[LEARNERS[2]] > 0 and late[LEARNERS[1]] > 0

    # Learner 3 resubmits with answers: collected again and graded again.
    fill_as(LEARNERS[2], ANSWERS)
    as_user(LEARNERS[2], f"nbgrader submit {ASSIGNMENT}", "~/pm-course")
    as_user(INSTRUCTOR, f"nbgrader collect --update {ASSIGNMENT}", course)
    done = subprocess.run(grade, cwd=course_dir, capture_output=True, text=True, timeout=600)
    assert "graded 1 of 4" in done.stdout, done.stdout
    (again,) = gradebook(
        "SELECT sum(coalesce(g.auto_score, 0)) FROM grade g JOIN submitted_notebook s "
        "ON g.notebook_id = s.id JOIN submitted_assignment a ON s.assignment_id = a.id "
        "WHERE a.student_id = ?",
        (LEARNERS[2],),
    )
    assert again[0] == top

    as_user(INSTRUCTOR, f"nbgrader release_feedback {ASSIGNMENT}", course)
    for user in LEARNERS:
        out = as_user(user, f"nbgrader fetch_feedback {ASSIGNMENT}", "~/pm-course")
        assert "Fetched feedback" in out, out
    html = as_user(LEARNERS[1], f"cat ~/pm-course/{COURSE_ID}/{ASSIGNMENT}/feedback/*/*.html")
    assert "BEGIN HIDDEN TESTS" not in html and ASSIGNMENT in html


def test_accounts_keep_to_their_own_work(hub):
    """Learner 2, as their own account, reads nothing of learner 1's or the instructor's."""
    other = os.path.expanduser(f"~{LEARNERS[0]}")
    for target in (
        f"{other}/pm-course/{COURSE_ID}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
        f"{other}/pm-course/{COURSE_ID}/{ASSIGNMENT}/feedback",
        f"{os.path.expanduser(f'~{INSTRUCTOR}')}/{COURSE_ID}/source",
        f"{os.path.expanduser(f'~{INSTRUCTOR}')}/{COURSE_ID}/gradebook.db",
        str(ROOT / "exchange" / COURSE_ID / "inbound"),
        str(ROOT / "run" / "settings.json"),
        str(ROOT / "run" / "jupyterhub_cookie_secret"),
    ):
        out = as_user(
            LEARNERS[1], f"if [ -d {target} ]; then ls {target}; else cat {target}; fi", check=False
        )
        assert "Permission denied" in out, f"{LEARNERS[1]} could read {target}: {out}"


def test_a_learner_has_no_formgrader(hub, browser):
    page = log_in(browser, hub, LEARNERS[1])
    try:
        page.get_by_text("Nbgrader", exact=True).click()
        menu = page.locator(".lm-Menu-content").last
        assert "Assignment List" in menu.inner_text()
        assert "Formgrader" not in menu.inner_text()
        assert page.locator("text=Create Assignment").count() == 0
        own = page.goto(
            f"http://{LEARNERS[1]}.localhost:{hub['port']}/user/{LEARNERS[1]}/formgrader"
        )
        assert own.status == 404
        theirs = page.goto(
            f"http://{INSTRUCTOR}.localhost:{hub['port']}/user/{INSTRUCTOR}/formgrader/"
        )
        assert theirs.status in (403, 404) or "/hub/" in page.url
        assert "Manage Assignments" not in page.content()
    finally:
        page.close()


def test_quiz_evidence_is_credited_to_the_account_that_handed_it_in(hub):
    """Learner 2 writes learner 1's name into their own attempts and hands them in through
    the exchange: the cohort view credits them to learner 2's account."""
    from pmtech.bank import load_bank
    from pmtech.cohort import cohort_edges

    question = next(q for q in load_bank().questions.values() if q.level == 1)
    record = (
        "from pmtech.progress import Attempt, default_store\n"
        f"default_store().record(Attempt(learner={LEARNERS[0]!r}, question_id={question.id!r}, "
        f"topic={question.topic!r}, level=1, outcome='correct'))\n"
    )
    as_user(LEARNERS[1], f'python -c "{record}"')
    course = f"~/{COURSE_ID}"
    as_user(INSTRUCTOR, "nbgrader generate_assignment quiz-evidence --force", course)
    as_user(INSTRUCTOR, "nbgrader release_assignment quiz-evidence", course)
    as_user(LEARNERS[1], "nbgrader fetch_assignment quiz-evidence")
    folder = f"~/pm-course/{COURSE_ID}/quiz-evidence"
    out = as_user(
        LEARNERS[1],
        'python -c "from pmtech.hub.evidence import write_evidence; write_evidence()"',
        folder,
    )
    assert "1 answers written" in out, out
    as_user(LEARNERS[1], "nbgrader submit quiz-evidence")
    as_user(INSTRUCTOR, "nbgrader collect quiz-evidence", course)
    course_dir = Path(os.path.expanduser(f"~{INSTRUCTOR}")) / COURSE_ID
    edges = cohort_edges(gradebook=None, course=course_dir)
    assert set(edges) == {LEARNERS[1]}
    assert edges[LEARNERS[1]][question.topic].levels[0].counted == 1


def test_the_instructor_grades_a_written_answer_in_the_formgrader(hub, browser):
    """The formgrader shows inside JupyterLab (its frame is allowed on the instructor's own
    origin) and a manual grade lands in the gradebook."""
    page = log_in(browser, hub, INSTRUCTOR)
    try:
        page.get_by_text("Nbgrader", exact=True).click()
        page.get_by_text("Formgrader", exact=True).click()
        frame = page.frame_locator("iframe").first
        frame.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
        frame.get_by_role("link", name=ASSIGNMENT).first.wait_for(timeout=60_000)
        shot(page, "formgrader-in-lab")
        written = next(grade_id(c) for c in SOURCE.cells if c.cell_type == "markdown"
                       and is_solution(c))  # fmt: skip
        (sub_id,) = gradebook(
            "SELECT s.id FROM submitted_notebook s JOIN submitted_assignment a "
            "ON s.assignment_id = a.id WHERE a.student_id = ?",
            (LEARNERS[0],),
        )[0:1]
        base = f"http://{INSTRUCTOR}.localhost:{hub['port']}/user/{INSTRUCTOR}"
        page.goto(f"{base}/formgrader/submissions/{sub_id[0]}/")
        box = page.locator(f"input.score#{written}")
        box.wait_for(timeout=60_000)
        box.fill("1")
        box.press("Tab")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            manual = manual_score(written, LEARNERS[0])
            if manual == 1:
                break
            time.sleep(0.5)
        else:
            shot(page, "formgrader-failure")
            raise AssertionError(f"the manual grade did not reach the gradebook: {manual}")
    finally:
        page.close()
