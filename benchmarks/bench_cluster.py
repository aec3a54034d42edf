"""Grading on a Dask cluster against grading on this machine, on one cohort, in one run.

One cohort (learners x the course's assignments, half full solutions, half blank) is graded
twice, each on its own copy of the course, in the configuration instructors run (kernels
confined as the machine allows, feedback written):

- local: ``pmtech grade <assignments> --jobs N``;
- cluster: ``pmtech grade <assignments> --scheduler tcp://...`` with a ``dask scheduler`` and
  N single-threaded ``dask worker`` processes on this same machine, started before the clock
  (a cluster outlives one grading run).

Both share this machine's cores, so the cluster's figure is Dask's overhead, not a speed-up.
From the cluster's wall time the benchmark derives the seconds one worker core spends per
notebook and the capacity model: the wall time for a cohort on W workers, one core each.

    .venv/bin/python benchmarks/bench_cluster.py --learners 10 --workers 2
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from bench_grade import make_course, timed  # noqa: E402

from pmtech.grading.sandbox import why_not_confined  # noqa: E402
from pmtech.release import source_assignments  # noqa: E402
from tests.daskcluster import dask_cluster  # noqa: E402

MODEL_LEARNERS, MODEL_ASSIGNMENTS = 1000, 3
MODEL_WORKERS = (2, 8, 32, 64, 128)


def capacity(seconds_per_notebook_core: float, workers: int, notebooks: int) -> float:
    """Wall seconds for ``notebooks`` on ``workers`` single-core workers, if every worker
    grades as fast as one measured here and the gradebook keeps up."""
    return notebooks * seconds_per_notebook_core / workers


def main(argv: list[str] | None = None) -> dict:
    """Grade one cohort locally and on a local Dask cluster; print both and the model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="local jobs and Dask workers")
    parser.add_argument("--assignments", nargs="*", help="only these (default: all)")
    args = parser.parse_args(argv)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="pmtech-bench-cluster-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        assignments = args.assignments or source_assignments(REPO)
        paths, _ = make_course(base, args.learners, 0, assignments)
        local, remote = Path(tmp) / "local", Path(tmp) / "cluster"
        shutil.copytree(base, local)
        shutil.copytree(base, remote)
        (Path(tmp) / "dask").mkdir()
        with dask_cluster(Path(tmp) / "dask", args.workers, {}) as cluster:
            began = time.perf_counter()
            cluster_s, cluster_peak = timed(
                [python, "-m", "pmtech.cli", "grade", *assignments,
                 f"--scheduler={cluster.address}"],
                remote,
            )  # fmt: skip
            cluster_wall = time.perf_counter() - began
        local_s, local_peak = timed(
            [python, "-m", "pmtech.cli", "grade", *assignments, f"--jobs={args.workers}"], local
        )
        graded = {
            name: len(list((course / "feedback").glob("*/*/*.html")))
            for name, course in (("local", local), ("cluster", remote))
        }
    n = len(paths)
    per_core = cluster_s * args.workers / n
    model = {w: capacity(per_core, w, MODEL_LEARNERS * MODEL_ASSIGNMENTS) for w in MODEL_WORKERS}
    result = {
        "notebooks": n,
        "workers": args.workers,
        "local_s": local_s,
        "cluster_s": cluster_s,
        "cluster_over_local": cluster_s / local_s,
        "seconds_per_notebook_per_worker_core": per_core,
        "notebooks_per_worker_core_per_minute": 60 / per_core,
        "feedback_files": graded,
        "capacity_model_s": model,
    }
    confined = why_not_confined()
    print(
        f"{n} notebooks: {args.learners} learners x {len(assignments)} assignments, "
        f"{args.workers} local jobs / {args.workers} Dask workers (one thread each); "
        + ("kernels confined" if confined is None else f"NOT confined: {confined}")
    )
    print(f"local   pmtech grade --jobs {args.workers}      {local_s:6.1f} s  "
          f"peak {local_peak / 1e6:5.0f} MB  ({graded['local']} feedback files)")  # fmt: skip
    print(f"cluster pmtech grade --scheduler ...  {cluster_s:6.1f} s  "
          f"peak {cluster_peak / 1e6:5.0f} MB of the command  ({graded['cluster']} feedback "
          f"files; {cluster_wall:.1f} s wall)")  # fmt: skip
    print(f"cluster / local: {cluster_s / local_s:4.2f}x")
    print(
        f"one worker core grades a notebook in {per_core:.2f} s "
        f"({60 / per_core:.0f} notebooks a minute)"
    )
    print(f"capacity model, {MODEL_LEARNERS} learners x {MODEL_ASSIGNMENTS} assignments:")
    for w, seconds in model.items():
        print(f"  {w:4d} workers  {seconds / 60:7.1f} min")
    return result


if __name__ == "__main__":
    main()
