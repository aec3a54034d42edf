"""Grading a synthetic cohort: stock nbgrader, ``pmtech grade`` and bare parallel nbclient.

One cohort (learners x the course's assignments, or those named with --assignments; half
full solutions, half blank, and a few runaway learners whose every answer loops for ever) is
graded three ways, each on its own copy of the course, in the same run, in the configuration
instructors run (confinement as the machine allows, feedback written):

- stock: ``nbgrader autograde <assignment>`` then ``nbgrader generate_feedback <assignment>``
  for each assignment, one learner after another;
- pmtech: ``pmtech grade <assignments> --jobs N`` with its defaults (feedback on);
- floor: the notebooks as any autograder must run them (each learner's answers in the
  instructor's notebook, with its hidden tests) executed with nbclient alone in N processes,
  nothing else (no nbgrader, no confinement, no gradebook, no feedback): the least any
  grader could take.

All three use the same per-cell timeout; ``pmtech grade`` also has its notebook budget.
Peak memory is the largest total resident memory of the process tree, sampled every 0.2 s.

    .venv/bin/python benchmarks/bench_grade.py --learners 60 --runaway 2 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pmtech.grading.sandbox import why_not_confined  # noqa: E402
from pmtech.release import nbgrader_env, run_nbgrader, source_assignments  # noqa: E402
from tests.nbhelpers import fill, solutions_of  # noqa: E402


def make_course(
    course: Path, learners: int, runaway: int, assignments: list[str] | None = None
) -> tuple[list[Path], list[Path]]:
    """Generate the assignments and write the cohort's submissions; return their paths and
    the paths of the same answers in the instructor's notebooks (what a grader executes),
    written under ``course/as-graded``."""
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "source", course / "source", ignore=shutil.ignore_patterns("*.db"))
    paths, graded = [], []
    for name in assignments or source_assignments(course):
        run_nbgrader(course, "generate_assignment", name, "--force")
        (nb_path,) = (course / "release" / name).glob("*.ipynb")
        release = nbformat.read(nb_path, as_version=4)
        source = nbformat.read(course / "source" / name / nb_path.name, 4)
        answers = solutions_of(source)
        looping = {gid: "while True:\n    pass\n" for gid in answers if gid.endswith("-answer")}
        for i in range(learners):
            if i < runaway:
                nb = fill(release, looping)
            else:
                nb = fill(release, answers) if i % 2 == 0 else release
            folder = course / "submitted" / f"learner-{i:03d}" / name
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / nb_path.name)
            paths.append(folder / nb_path.name)
            as_graded = course / "as-graded" / f"learner-{i:03d}" / name
            as_graded.mkdir(parents=True)
            nbformat.write(fill(source, solutions_of(nb)), as_graded / nb_path.name)
            graded.append(as_graded / nb_path.name)
    return paths, graded


class PeakMemory:
    """The largest summed RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo += children.get(pid, [])
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(0.2)

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Run a command; its wall time and the peak memory of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=nbgrader_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    memory = PeakMemory(proc.pid)
    _, err = proc.communicate()
    peak = memory.stop()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    return time.perf_counter() - start, peak


def _execute(args: tuple[str, str, int]) -> None:
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    path, work, timeout = args
    shutil.copytree(Path(path).parent, work)
    nb = nbformat.read(Path(work) / Path(path).name, as_version=4)
    # Unix sockets, not TCP: kernels started at once in several processes can race for the
    # same free TCP port.
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(work) / "kernel"))
    try:
        NotebookClient(
            nb,
            km=km,
            timeout=timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            kernel_name="python3",
            resources={"metadata": {"path": work}},
        ).execute()
    finally:
        km.shutdown_kernel(now=True)


def floor(paths: list[Path], scratch: Path, jobs: int, timeout: int) -> float:
    """Execute every notebook with nbclient alone in ``jobs`` processes; wall seconds."""
    start = time.perf_counter()
    work = [(str(p), str(scratch / str(i)), timeout) for i, p in enumerate(paths)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_execute, work))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    """Run the three graders on one cohort and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--runaway", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--cell-timeout", type=int, default=5)
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--assignments", nargs="*", help="only these (default: all)")
    args = parser.parse_args(argv)
    timeout = f"--ExecutePreprocessor.timeout={args.cell_timeout}"
    with tempfile.TemporaryDirectory(prefix="pmtech-bench-grade-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        assignments = args.assignments or source_assignments(REPO)
        paths, as_graded = make_course(base, args.learners, args.runaway, assignments)
        stock_course, ours_course = Path(tmp) / "stock", Path(tmp) / "ours"
        shutil.copytree(base, stock_course)
        shutil.copytree(base, ours_course)
        python = sys.executable
        stock_s = stock_peak = 0.0
        for name in assignments:
            # Stock behaviour: per-cell timeout only (a budget as long as the notebook can run).
            s, p = timed(
                [
                    python,
                    "-m",
                    "nbgrader",
                    "autograde",
                    name,
                    timeout,
                    "--BudgetedExecute.notebook_budget=100000",
                ],  # fmt: skip
                stock_course,
            )
            stock_s, stock_peak = stock_s + s, max(stock_peak, p)
            s, p = timed([python, "-m", "nbgrader", "generate_feedback", name], stock_course)
            stock_s, stock_peak = stock_s + s, max(stock_peak, p)
        ours_s, ours_peak = timed(
            [
                python,
                "-m",
                "pmtech.cli",
                "grade",
                *assignments,
                f"--jobs={args.jobs}",
                f"--cell-timeout={args.cell_timeout}",
                f"--budget={args.budget}",
            ],  # fmt: skip
            ours_course,
        )
        as_graded = [ours_course / p.relative_to(base) for p in as_graded]
        honest = [p for p in as_graded if int(p.parent.parent.name.split("-")[1]) >= args.runaway]
        floor_all = floor(as_graded, Path(tmp) / "floor-all", args.jobs, args.cell_timeout)
        floor_honest = floor(honest, Path(tmp) / "floor-honest", args.jobs, args.cell_timeout)
    n = len(paths)
    result = {
        "notebooks": n,
        "learners": args.learners,
        "runaway_learners": args.runaway,
        "jobs": args.jobs,
        "stock_s": stock_s,
        "pmtech_s": ours_s,
        "floor_all_s": floor_all,
        "floor_without_runaway_s": floor_honest,
        "stock_peak_mb": stock_peak / 1e6,
        "pmtech_peak_mb": ours_peak / 1e6,
    }
    print(
        f"{n} notebooks: {args.learners} learners x {len(assignments)} assignments "
        f"({', '.join(assignments)}), "
        f"{args.runaway} runaway learners; {args.jobs} jobs; cell timeout {args.cell_timeout} s, "
        f"budget {args.budget} s"
    )
    confined = why_not_confined()
    print("kernels confined (bubblewrap)" if confined is None else f"NOT confined: {confined}")
    print(
        f"stock autograde + feedback (sequential) {stock_s:7.1f} s  {stock_s / n:5.2f} s/notebook  "
        f"peak {stock_peak / 1e6:6.0f} MB"
    )
    print(
        f"pmtech grade (defaults, feedback on)    {ours_s:7.1f} s  {ours_s / n:5.2f} s/notebook  "
        f"peak {ours_peak / 1e6:6.0f} MB"
    )
    print(f"floor: bare nbclient, notebooks as graded {floor_all:5.1f} s")
    print(f"floor: the same without runaway learners {floor_honest:5.1f} s")
    print(
        f"speed-up over stock: {stock_s / ours_s:4.2f}x; pmtech / floor: {ours_s / floor_all:4.2f}x"
    )
    return result


if __name__ == "__main__":
    main()
