"""Is release/ exactly what nbgrader generates from source/, with nothing secret in it?"""

from __future__ import annotations

import re

import nbformat
import pytest

from pmtech.nbcells import is_solution
from pmtech.release import generate_release_copy, source_assignments

from .conftest import REPO

ASSIGNMENTS = source_assignments(REPO)


def test_every_rubric_area_has_an_assignment_and_the_coding_round_its_own():
    assert ASSIGNMENTS == [
        "01-working-with-engineers",
        "02-technical-depth",
        "03-bridging-tech-and-users",
        "04-coding-round",
    ]


@pytest.mark.slow
def test_committed_release_matches_a_fresh_generation(tmp_path):
    """Does regenerating release/ from source/ give byte-identical notebooks?"""
    fresh = generate_release_copy(REPO, tmp_path)
    for name in ASSIGNMENTS:
        made = sorted(p.relative_to(fresh) for p in (fresh / name).rglob("*") if p.is_file())
        committed = sorted(
            p.relative_to(REPO / "release")
            for p in (REPO / "release" / name).rglob("*")
            if p.is_file()
        )
        assert committed == made, f"release/{name} files differ; run `make release`"
        for rel in made:
            assert (REPO / "release" / rel).read_bytes() == (fresh / rel).read_bytes(), (
                f"release/{rel} drifted from source/; run `make release`"
            )


def secret_lines(source_nb) -> list[str]:
    """Lines only graders may see: solution regions, hidden tests, model written answers."""
    secrets = []
    for cell in source_nb.cells:
        if cell.cell_type == "markdown" and is_solution(cell):
            secrets += cell.source.splitlines()
            continue
        for begin, end in (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN", "END HIDDEN")):
            for block in re.findall(rf"### {begin}.*?\n(.*?)### {end}", cell.source, re.S):
                secrets += block.splitlines()
    return [ln.strip() for ln in secrets if len(ln.strip()) >= 20]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_holds_no_solution_no_hidden_test_no_answer(name):
    """Are solutions, hidden tests and model answers all absent from the student version?"""
    notebooks = sorted((REPO / "release" / name).glob("*.ipynb"))
    assert notebooks, f"release/{name} is empty; run `make release`"
    for path in notebooks:
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
            assert marker not in text, f"{path.name} contains {marker!r}"
        released = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        source = nbformat.read(REPO / "source" / name / path.name, as_version=4)
        public = {
            ln.strip()
            for c in source.cells
            if not (c.cell_type == "markdown" and is_solution(c))
            for ln in re.sub(
                r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "", c.source, flags=re.S
            ).splitlines()
        }
        secrets = [line for line in secret_lines(source) if line not in public]
        assert secrets, "the source notebook should have solutions and hidden tests"
        leaked = [line for line in secrets if line in released]
        assert leaked == [], f"{path.name} leaks: {leaked[:3]}"
