"""Can a submission take over the instructor's browser in the formgrader? (It must not.)

A learner's solution displays HTML, SVG, JavaScript, Markdown and an image with forged
metadata, each carrying script, and their written answer holds raw HTML with script; the
same notebook also shows honest outputs (a table, a matplotlib chart). The submission is
autograded with the real nbgrader, then opened in the real formgrader, served by a real
Jupyter server, in headless Chromium. No payload may run or make a request; the honest
outputs and the formgrader's own scripts must still work. A control renders the same
notebook without the course's protections and sees the payloads run, so the test can fail.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from pmtech import nbcells
from pmtech.release import run_nbgrader

from .conftest import REPO
from .nbhelpers import fill, grade_id, make_course, solutions_of
from .servers import CHROMIUM, CHROMIUM_ARGS, jupyter_server, require_chromium

ASSIGNMENT = "01-working-with-engineers"
STUDENT = "mallory"
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

require_chromium()

MARK = "window.__pwned = (window.__pwned || []).concat"
PAYLOAD_CODE = f'''
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('<img src="/pwned-html-img" onerror="{MARK}([\\'html\\']);'
             'fetch(\\'/api/contents/pwned.txt\\', {{method: \\'PUT\\'}})">'))
display(HTML('<script>{MARK}(["script"])</script>'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="{MARK}([\\'svg\\'])">'
            '<script>{MARK}(["svg-script"])</script><circle r="5"/></svg>'))
display(Javascript('{MARK}(["javascript"])'))
display(Markdown('<img src="/pwned-markdown-output" onerror="{MARK}([\\'markdown-output\\'])">'))
display(HTML('<iframe srcdoc="<script>parent.__pwned = (parent.__pwned || []).concat(1)'
             '</script>"></iframe>'
             '<div style="background: url(/pwned-css)">styled</div>'
             '<a id="evil-link" href="javascript:{MARK}([\\'link\\'])">a link</a>'))
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5Er"
       "kJggg==")
display({{"image/png": PNG}}, raw=True,
        metadata={{"image/png": {{"width": "1 onerror={MARK}(['metadata'])"}}}})
display(HTML('<table class="honest-table"><tr><th>metric</th><td>42</td></tr></table>'))
import matplotlib.pyplot as plt
plt.plot([1, 3, 2])
plt.title("honest chart")
plt.show()
'''
WRITTEN_PAYLOAD = (
    "My answer.\n\n"
    f'<img src="/pwned-written" onerror="{MARK}([\'written\'])">\n\n'
    f"<script>{MARK}(['written-script'])</script>\n\n"
    f"[a link](javascript:{MARK}(['written-link']))\n"
)


def is_solution(cell, cell_type: str) -> bool:
    return nbcells.is_solution(cell) and cell.cell_type == cell_type


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with one autograded hostile submission (and its feedback)."""
    course = tmp_path_factory.mktemp("formgrader")
    name, release, source = make_course(course, ASSIGNMENT)
    nb = fill(release, solutions_of(source))
    code = next(c for c in nb.cells if is_solution(c, "code"))
    code.source = PAYLOAD_CODE + "\n" + code.source
    written = next(c for c in nb.cells if is_solution(c, "markdown"))
    written.source = WRITTEN_PAYLOAD
    folder = course / "submitted" / STUDENT / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / name)
    run_nbgrader(course, "autograde", ASSIGNMENT, "--force")
    run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    return course, Path(name).stem, grade_id(written)


def submission_id(course: Path, notebook: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(notebook, ASSIGNMENT, STUDENT).id


def open_page(browser, url: str, login: str | None = None):
    """Open ``url`` (after ``login``); return the page, the main response and every URL the
    page requested."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    if login:
        page.goto(login)  # the token's cookie, for the whole server (as an instructor has it)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    time.sleep(1.5)  # let any late handler (onerror, onload) fire
    return page, response, requested


def test_payloads_are_live_without_the_course_protections(course, tmp_path):
    """Control: rendered by plain nbconvert, the same autograded notebook runs the payloads."""
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    course_dir, notebook, _ = course
    autograded = course_dir / "autograded" / STUDENT / ASSIGNMENT / f"{notebook}.ipynb"
    html, _ = HTMLExporter().from_filename(str(autograded))
    page_file = tmp_path / "unprotected.html"
    page_file.write_text(html)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page, _, _ = open_page(browser, page_file.as_uri())
            ran = page.evaluate("window.__pwned || []")
        finally:
            browser.close()
    assert {"html", "script", "written"} <= set(ran), ran


def active_markup(html: str) -> list[str]:
    """Every element of ``html`` that could run script or make a request by itself."""
    from bs4 import BeautifulSoup

    found = []
    body = BeautifulSoup(html, "html.parser").body
    for tag in body.find_all(True):
        if tag.name == "script" and "__pwned" in tag.get_text():
            found.append("<script> with the payload")
        if tag.name in ("iframe", "object", "embed", "svg", "frame", "meta", "base", "form"):
            found.append(f"<{tag.name}>")
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"<{tag.name} {name}>")
            elif name in ("src", "href", "action", "data") and "pwned" in text:
                found.append(f"<{tag.name} {name}={text[:40]}>")
            elif text.strip().lower().startswith("javascript:"):
                found.append(f"<{tag.name} {name}=javascript:>")
    return found


def test_feedback_holds_no_active_content(course):
    course_dir, _, _ = course
    (feedback,) = (course_dir / "feedback" / STUDENT / ASSIGNMENT).glob("*.html")
    text = feedback.read_text()
    assert "honest-table" in text and "data:image/png" in text  # honest outputs stay
    assert active_markup(text) == []


def test_a_hostile_submission_runs_no_script_in_the_formgrader(course, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    course_dir, notebook, written_id = course
    sub = submission_id(course_dir, notebook)
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        jupyter_server("jupyter_server", course_dir, tmp_path, dict(os.environ)) as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            login = f"{server['base']}/?token={server['token']}"
            url = f"{server['base']}/formgrader/submissions/{sub}/"
            page, response, requested = open_page(browser, url, login)
            try:
                assert response.status == 200
                assert "script-src 'nonce-" in response.headers["content-security-policy"]
                assert page.evaluate("window.__pwned || []") == []
                links = page.get_by_text("a link", exact=True)
                for index in range(links.count()):  # clicking a javascript: link runs nothing
                    links.nth(index).click(timeout=2000)
                time.sleep(0.5)
                assert page.evaluate("window.__pwned || []") == []
                assert [u for u in requested if "pwned" in u] == []
                # Honest outputs still show.
                expect(page.locator("table.honest-table td")).to_have_text("42")
                chart = page.locator("img[src^='data:image/png']").last
                expect(chart).to_be_visible()
                assert page.evaluate("(img) => img.naturalWidth", chart.element_handle()) > 50
                # The formgrader's own scripts run: they fill each score box with the
                # autograded score (as its placeholder) from the formgrader's API.
                assert page.evaluate("typeof jQuery") == "function"
                expect(page.locator(f"#{written_id}")).to_be_visible()
                score = page.locator("input.score").first
                expect(score).to_have_attribute("placeholder", re.compile(r"^\d"), timeout=15_000)
                page.screenshot(path=str(ARTIFACTS / "formgrader-hostile.png"), full_page=False)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "formgrader-failure.png"), full_page=True)
                raise
        finally:
            browser.close()
    assert not (course_dir / "pwned.txt").exists()
