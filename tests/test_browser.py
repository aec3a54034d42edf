"""Do the quiz widgets really render and record in JupyterLab, in a real (headless) browser?

Starts JupyterLab on a free loopback port with a private PMTECH_HOME, opens
00-start-here.ipynb in Debian's Chromium driven by Playwright, runs every cell, answers the
first question, presses Check, reads the feedback on the page and finds the attempt in SQLite;
presses Show me on the second and finds it recorded as seen.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager

import pytest

from pmtech.bank import load_bank
from pmtech.quiztext import quiz_ids

from .conftest import REPO
from .servers import CHROMIUM, CHROMIUM_ARGS, jupyter_server, require_chromium

ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on loopback serving a copy of notebooks/, with its own settings."""
    root = tmp_path / "course"
    shutil.copytree(REPO / "notebooks", root)
    home = tmp_path / "pmtech-home"
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = dict(os.environ, PMTECH_HOME=str(home), PMTECH_LEARNER="browser-learner")
    args = [
        f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}",
    ]
    with jupyter_server("jupyterlab", root, tmp_path, env, args) as server:
        yield dict(server, store=home / "progress.db", root=root)


@contextmanager
def browser_page():
    """Debian's Chromium with one page; a failure leaves a full-page screenshot behind."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            yield page
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "browser-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def store_rows(lab, sql: str, args=()) -> list:
    """The rows of ``sql`` in the learner's store, waiting up to 10 s for the kernel to write."""
    deadline = time.monotonic() + 10
    rows = []
    while not rows and time.monotonic() < deadline:
        conn = sqlite3.connect(lab["store"])
        rows = conn.execute(sql, args).fetchall()
        conn.close()
        if not rows:
            time.sleep(0.2)
    return rows


def one_cell_notebook(lab, name: str, code: str) -> str:
    """Write a notebook of one code cell into the served folder; returns its file name."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.read(REPO / "notebooks" / "00-start-here.ipynb", as_version=4).metadata
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, lab["root"] / name)
    return name


def open_and_run_all(page, lab, notebook: str, ready) -> None:
    """Open ``notebook`` in JupyterLab, run all its cells, and wait until ``ready`` shows."""
    from playwright.sync_api import expect

    page.goto(f"{lab['base']}/lab/tree/{notebook}?token={lab['token']}")
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
        1, timeout=90_000
    )
    for attempt in range(2):  # a kernel still starting can swallow the first Run All
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            ready.wait_for(timeout=60_000)
            return
        except Exception:
            if attempt:
                raise


def first_quiz_question(position: int = 0):
    """A question of the notebook's first quiz cell (the first by default), from the notebook."""
    import nbformat

    nb = nbformat.read(REPO / "notebooks" / "00-start-here.ipynb", as_version=4)
    for cell in nb.cells:
        ids = quiz_ids(cell.source) if cell.cell_type == "code" else None
        if ids:
            return load_bank()[ids[position]]
    raise AssertionError("00-start-here.ipynb has no quiz cell")


def test_answer_a_quiz_question_in_jupyterlab(lab):
    from playwright.sync_api import expect

    question = first_quiz_question()
    shown = first_quiz_question(1)
    assert question.kind == shown.kind == "choice", "the browser test uses choice questions"
    right = question.options[question.answer]
    with browser_page() as page:
        first = (
            page.locator(".pmtech-question")
            .filter(has=page.get_by_role("radio", name=right, exact=True))
            .last
        )
        open_and_run_all(page, lab, "00-start-here.ipynb", first)
        first.get_by_role("radio", name=right, exact=True).check()
        first.get_by_role("button", name="Check", exact=True).click()
        feedback = first.locator(".pmtech-feedback")
        expect(feedback).to_contain_text("Correct.", timeout=30_000)
        expect(feedback).to_contain_text("Why:")
        # Show me on the next question: the answer and why, recorded as seen.
        second = (
            page.locator(".pmtech-question")
            .filter(has=page.get_by_role("radio", name=shown.options[0], exact=True))
            .last
        )
        second.get_by_role("button", name="Show me", exact=True).click()
        expect(second.locator(".pmtech-feedback")).to_contain_text(
            "Shown, not counted.", timeout=30_000
        )
        expect(second.locator(".pmtech-feedback")).to_contain_text(shown.options[shown.answer])
        second.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-show-me.png"))
        # The diagnostic above the quizzes works in the browser too: answer its first
        # question (a number question, computed the same way below) and move on.
        diag_widget = page.locator(".pmtech-question").first
        diag_q = first_diagnostic_question()
        if diag_q.kind == "number":
            diag_widget.get_by_role("textbox").fill(str(diag_q.answer))
        else:
            right_option = diag_q.options[diag_q.answer]
            diag_widget.get_by_role("radio", name=right_option, exact=True).check()
        diag_widget.get_by_role("button", name="Check", exact=True).click()
        expect(diag_widget.locator(".pmtech-feedback")).to_contain_text("Correct.", timeout=30_000)
        expect(page.get_by_role("button", name="Next question")).to_be_enabled()
        diag_widget.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-diagnostic.png"))
        # The chart cell ran too: an image is on the page.
        expect(page.locator(".jp-OutputArea-output img").first).to_be_visible(timeout=60_000)
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-quiz.png"))
    rows = store_rows(
        lab, "SELECT learner, outcome, source FROM attempts WHERE question_id = ?", (question.id,)
    )
    assert rows == [("browser-learner", "correct", "quiz")]
    seen = store_rows(lab, "SELECT outcome FROM attempts WHERE question_id = ?", (shown.id,))
    assert seen == [("seen",)]
    diag = store_rows(lab, "SELECT question_id, outcome FROM attempts WHERE source = 'diagnostic'")
    assert diag == [(first_diagnostic_question().id, "correct")]


def first_diagnostic_question():
    """The question the notebook's diagnostic (quick mode) asks first: deterministic."""
    from pmtech.diagnostic import Diagnostic

    question = Diagnostic.for_areas(load_bank(), mode="quick").next_question()
    assert question.kind in ("choice", "number"), "the test answers a choice or a number"
    return question


def test_write_then_grade_yourself_then_see_the_model_answer_in_jupyterlab(lab):
    """In a real browser: the rubric comes before the model answer, and the grade is saved."""
    from playwright.sync_api import expect

    bank = load_bank()
    question = next(q for q in bank.questions.values() if q.kind == "explain" and not q.red_flags)
    notebook = one_cell_notebook(
        lab, "written.ipynb", f'from pmtech.quiz import quiz\nquiz("{question.id}")'
    )
    answer = " ".join(["My answer names the trade-off, the numbers and what breaks."] * 4)
    with browser_page() as page:
        widget = page.locator(".pmtech-question")
        open_and_run_all(page, lab, notebook, widget)
        widget.get_by_role("textbox").fill(answer)
        widget.get_by_role("button", name="Grade my answer", exact=True).click()
        expect(widget).to_contain_text("Grade your own answer first", timeout=30_000)
        expect(widget).not_to_contain_text("Model answer")
        for point in question.rubric:
            widget.get_by_role("checkbox", name=point, exact=True).check()
        widget.get_by_role("button", name="Record my self-rating", exact=True).click()
        feedback = widget.locator(".pmtech-feedback")
        expect(feedback).to_contain_text("Correct.", timeout=30_000)
        expect(feedback).to_contain_text("Model answer")
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-written-answer.png"))
    rows = store_rows(lab, "SELECT outcome FROM attempts WHERE question_id = ?", (question.id,))
    assert rows == [("correct",)]


def test_a_glossary_link_opens_the_entry_in_jupyterlab(lab):
    """Does a term's link show its definition on hover, open glossary.ipynb, and take you to
    the entry? (JupyterLab scrolls to a fragment once the notebook is open, so the test opens
    the glossary by one link and follows a second one, as a reader does.)"""
    import re as regex

    import nbformat
    from playwright.sync_api import expect

    nb = nbformat.read(REPO / "notebooks" / "00-start-here.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    links = regex.findall(r"\[([^\]]+)\]\(glossary\.ipynb#(\S+) \"([^\"]+)\"\)", text)
    (_, first, _), (label, anchor, hover) = links[0], links[-1]
    with browser_page() as page:
        page.goto(f"{lab['base']}/lab/tree/00-start-here.ipynb?token={lab['token']}")
        page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=90_000)
        entry = page.locator(f"[data-jupyter-id='{anchor}'], [id='{anchor}']").last
        for attempt, name in enumerate((first, anchor, anchor)):
            page.get_by_role("tab", name="00-start-here.ipynb").click()
            link = page.locator(
                f".jp-RenderedMarkdown a[href*='glossary.ipynb'][href$='#{name}']"
            ).first
            link.scroll_into_view_if_needed()
            link.click()
            expect(page.get_by_role("tab", name="glossary.ipynb")).to_be_visible(timeout=30_000)
            if attempt == 0:  # let the glossary finish rendering once
                expect(page.locator(".jp-RenderedMarkdown h1", has_text="Glossary")).to_be_visible(
                    timeout=30_000
                )
                continue
            try:
                expect(entry).to_be_in_viewport(timeout=10_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        expect(link).to_have_text(label)
        expect(link).to_have_attribute("title", hover)
        page.screenshot(path=str(ARTIFACTS / "browser-glossary.png"))


def test_a_practice_cell_serves_records_and_moves_on_in_jupyterlab(lab):
    """In a real browser: a topic's practice cell shows questions, Show me records them, and
    Next questions serves a fresh round."""
    from playwright.sync_api import expect

    notebook = one_cell_notebook(
        lab, "practice.ipynb", 'from pmtech.practice import practice\npractice("caching")'
    )
    with browser_page() as page:
        questions = page.locator(".pmtech-question")
        open_and_run_all(page, lab, notebook, questions.first)
        expect(page.get_by_text("Practice at your edge: Caching")).to_be_visible()
        expect(questions).to_have_count(3)
        first_round = questions.all_inner_texts()
        for i in range(3):
            questions.nth(i).get_by_role("button", name="Show me", exact=True).click()
            expect(questions.nth(i).locator(".pmtech-feedback")).to_contain_text("Shown")
        page.get_by_role("button", name="Next questions", exact=True).click()
        expect(questions.first).not_to_contain_text("Shown, not counted", timeout=30_000)
        expect(questions).to_have_count(3)
        assert not set(questions.all_inner_texts()) & set(first_round)
        page.get_by_text("Practice at your edge: Caching").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-practice.png"))
    rows = store_rows(lab, "SELECT outcome, topic FROM attempts")
    assert rows == [("seen", "caching")] * 3


def test_a_ladder_step_answered_brings_the_next_follow_up_in_jupyterlab(lab):
    """Rate yourself, start a ladder, see its clock tick, answer step 1 right: step 2
    appears (and not before); the self-rating and the answer are saved."""
    from playwright.sync_api import expect

    from pmtech.ladders import load_ladders

    ladder = load_ladders(load_bank())["ladder-caching-sale-ready"]
    step1, step2 = ladder.steps[0].question, ladder.steps[1].question
    assert step1.kind == "choice", "the browser test answers a choice question"
    notebook = one_cell_notebook(
        lab,
        "ladder.ipynb",
        'from pmtech.ladder_ui import ladder\nladder("ladder-caching-sale-ready")',
    )
    with browser_page() as page:
        start = page.get_by_role("button", name="Start the ladder")
        open_and_run_all(page, lab, notebook, start)
        page.get_by_role("button", name="3", exact=True).click()
        start.click()
        first = page.locator(".pmtech-question").filter(has_text=step1.prompt[:40]).last
        expect(first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Follow-up 2 of 5")).to_have_count(0)
        expect(page.get_by_text("Time on this step: 0:02", exact=False)).to_be_visible(
            timeout=15_000
        )
        first.get_by_role("radio", name=step1.options[step1.answer], exact=True).check()
        first.get_by_role("button", name="Check", exact=True).click()
        expect(first.locator(".pmtech-feedback")).to_contain_text("Correct.", timeout=30_000)
        expect(page.get_by_text("Follow-up 2 of 5")).to_be_visible(timeout=30_000)
        second = page.locator(".pmtech-question").filter(has_text=step2.prompt[:40]).last
        expect(second).to_be_visible()
        second.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-ladder.png"))
    assert store_rows(lab, "SELECT topic, level, context FROM self_ratings") == [
        ("caching", 3, "ladder:ladder-caching-sale-ready")
    ]
    assert store_rows(lab, "SELECT outcome FROM attempts WHERE question_id = ?", (step1.id,)) == [
        ("correct",)
    ]
