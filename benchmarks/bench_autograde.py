"""Stock ``nbgrader autograde`` against bare nbclient execution of the same notebooks.

A synthetic cohort (half full solutions, half blank releases) is graded assignment by
assignment with the real nbgrader command, then the same submitted notebooks are executed
one by one with nbclient alone. Seconds per notebook for both, in the same run: the
baseline that parallel grading has to beat.

    .venv/bin/python benchmarks/bench_autograde.py --learners 40
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pmtech.release import run_nbgrader, source_assignments  # noqa: E402
from tests.nbhelpers import fill, solutions_of  # noqa: E402


def make_cohort(course: Path, learners: int) -> list[Path]:
    """Generate the assignments and write one submission per learner and assignment."""
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "source", course / "source", ignore=shutil.ignore_patterns("*.db"))
    submitted = []
    for name in source_assignments(course):
        run_nbgrader(course, "generate_assignment", name, "--force")
        (nb_path,) = (course / "release" / name).glob("*.ipynb")
        release = nbformat.read(nb_path, as_version=4)
        source = nbformat.read(course / "source" / name / nb_path.name, as_version=4)
        full = fill(release, solutions_of(source))
        for i in range(learners):
            folder = course / "submitted" / f"learner-{i:03d}" / name
            folder.mkdir(parents=True)
            nbformat.write(full if i % 2 == 0 else release, folder / nb_path.name)
            submitted.append(folder / nb_path.name)
    return submitted


def bare_nbclient(paths: list[Path], scratch: Path) -> float:
    """Execute each notebook in its own copy of its folder with nbclient; total seconds."""
    start = time.perf_counter()
    for i, path in enumerate(paths):
        work = scratch / str(i)
        shutil.copytree(path.parent, work)
        nb = nbformat.read(work / path.name, as_version=4)
        NotebookClient(
            nb,
            timeout=60,
            allow_errors=True,
            kernel_name="python3",
            resources={"metadata": {"path": str(work)}},
        ).execute()
    return time.perf_counter() - start


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmtech-bench-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        submitted = make_cohort(course, args.learners)
        start = time.perf_counter()
        for name in source_assignments(course):
            run_nbgrader(course, "autograde", name, timeout=7200)
        stock = time.perf_counter() - start
        floor = bare_nbclient(submitted, Path(tmp) / "bare")
    n = len(submitted)
    result = {
        "notebooks": n,
        "stock_autograde_s_per_notebook": stock / n,
        "bare_nbclient_s_per_notebook": floor / n,
    }
    print(f"{n} notebooks ({args.learners} learners x {n // args.learners} assignments)")
    print(f"stock nbgrader autograde (sequential): {stock:7.1f} s  {stock / n:5.2f} s/notebook")
    print(f"bare nbclient (sequential):            {floor:7.1f} s  {floor / n:5.2f} s/notebook")
    print(f"nbgrader overhead over bare execution: {stock / floor:5.2f}x")
    return result


if __name__ == "__main__":
    main()
