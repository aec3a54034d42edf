"""The ``pmtech`` command: a thin layer over the library (each command is a library call)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pmtech.bank import BankError, validate_bank
from pmtech.cohort import CohortError
from pmtech.grading import GradingError
from pmtech.hub import HubError
from pmtech.progress import ProgressStore, StoreError, default_home, default_learner
from pmtech.selfstudy import AssignmentError


def cmd_validate(args: argparse.Namespace) -> int:
    """Check the question bank and its follow-up ladders; print every problem with its file,
    id and field."""
    from pmtech.ladders import LADDERS_FILE, validate_ladders

    bank, problems = validate_bank(args.directory)
    ladders: dict = {}
    if not problems:
        folder = Path(args.directory) if args.directory else None
        path = folder / LADDERS_FILE if folder else None
        if path is None or path.exists():
            ladders, problems = validate_ladders(bank, path)
    if problems:
        print(f"The question bank has {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    per_area = ", ".join(
        f"{area.id} {sum(q.area == area.id for q in bank.questions.values())}"
        for area in bank.areas
    )
    print(f"OK: {len(bank.questions)} questions ({per_area}), {len(ladders)} follow-up ladders.")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    """Print the learner's knowledge-edge table and write the chart as PNG files, one per
    panel (each fits a laptop screen), or the whole chart in one with ``--full``."""
    from pmtech.bank import load_bank
    from pmtech.chart import draw_learner_chart, edge_table, learner_edges, panels, save_figure

    bank = load_bank()
    store = ProgressStore(args.store)
    learner = args.learner or default_learner()
    edges = learner_edges(store, learner, bank)
    print(edge_table(edges, bank, learner))
    if args.no_png:
        return 0
    folder = Path(args.out) if args.out else store.path.parent
    if args.full or args.png:
        png = Path(args.png) if args.png else folder / "knowledge-edge.png"
        save_figure(draw_learner_chart(edges, bank, learner), png)
        print(f"\nChart written to {png}")
        return 0
    written = [
        save_figure(draw_learner_chart(shown, bank, learner, area_id),
                    folder / f"knowledge-edge-{name}.png")
        for name, area_id, shown in panels(edges, bank)
    ]  # fmt: skip
    print("\nCharts written, one per area:\n" + "\n".join(f"  {path}" for path in written))
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """Copy the course into a working folder once, then open JupyterLab on 00-start-here."""
    import subprocess

    from pmtech.coursefiles import START_NOTEBOOK, CourseFilesError, copy_course
    from pmtech.labroles import with_role, write_role

    folder = Path(args.folder).expanduser().resolve()
    try:
        copied = copy_course(folder)
    except CourseFilesError as exc:
        print(f"pmtech lab: {exc}", file=sys.stderr)
        return 2
    if copied:
        print(
            f"Copied {len(copied)} course files into {folder} (your own files are never touched)."
        )
    role = "instructor" if args.instructor else "learner"
    config = write_role(default_home() / "jupyter" / role, role)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        str(START_NOTEBOOK),
        f"--ServerApp.root_dir={folder}",
    ]
    if getattr(os, "geteuid", lambda: 1)() == 0:
        cmd.append("--allow-root")  # containers often run as root; jupyter refuses unless told
    cmd += args.jupyter_args
    print(f"Opening JupyterLab in {folder} (Ctrl-C stops it). Your progress: {default_home()}")
    proc = subprocess.Popen(cmd, cwd=folder, env=with_role(dict(os.environ), config))
    try:
        return proc.wait()
    except KeyboardInterrupt:  # JupyterLab got the same Ctrl-C and is shutting down
        return proc.wait()


def cmd_export(args: argparse.Namespace) -> int:
    """Export attempts to JSON (to send to an instructor)."""
    store = ProgressStore(args.store)
    learner = None if args.all else (args.learner or default_learner())
    count = store.export_json(args.file, learner)
    print(f"Exported {count} attempts{' of ' + learner if learner else ''} to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import attempts from an exported JSON file (idempotent)."""
    store = ProgressStore(args.store)
    result = store.import_json(args.file)
    print(f"Imported {result.added} attempts ({result.skipped} were already there).")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Rewrite what the notebooks generate from data (authors run this): the text copy above
    every quiz, the schedule table, the glossary notebook and its links from first uses."""
    from pmtech.glossary import sync_glossary
    from pmtech.quiztext import sync_notebook
    from pmtech.schedule import sync_schedule_cell

    folder = args.folder
    paths = sorted(folder.glob("*.ipynb"))
    write = not args.check
    stale = [p for p in paths if sync_notebook(p, write=write)]
    stale += [p for p in paths if sync_schedule_cell(p, folder.resolve().parent, write=write)]
    stale += sync_glossary(folder, write=write)
    for p in sorted(set(stale)):
        print(f"{'out of date' if args.check else 'updated'}: {p}")
    return 1 if args.check and stale else 0


def cmd_start(args: argparse.Namespace) -> int:
    """Copy an assignment into assignments/ (keeping any work already there)."""
    from pmtech.selfstudy import start_assignment

    result = start_assignment(args.assignment)
    print(f"Working copy: {result.folder}")
    if result.copied:
        print(f"  copied: {', '.join(result.copied)}")
    if result.kept:
        print(f"  kept your existing files: {', '.join(result.kept)}")
    print("Open it in JupyterLab, answer, then run: pmtech check " + args.assignment)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Run the visible tests of your working copy and record the results."""
    from pmtech.selfstudy import check_assignment, format_report

    store = ProgressStore(args.store)
    results = check_assignment(args.assignment, store=store, learner=args.learner)
    print(format_report(args.assignment, results))
    print("\nRecorded in your progress; run `pmtech progress` to see your knowledge edge.")
    return 0


def cmd_assignments(args: argparse.Namespace) -> int:
    """List the assignments of the course."""
    from pmtech.selfstudy import course_root, list_assignments

    for name in list_assignments(course_root()):
        print(name)
    return 0


def cmd_cohort(args: argparse.Namespace) -> int:
    """Draw where each learner's knowledge runs out, and write the same numbers as CSV."""
    from pmtech.bank import load_bank
    from pmtech.chart import draw_cohort_chart, save_figure
    from pmtech.cohort import cohort_edges, read_logs, write_calibration_csv, write_cohort_csv

    gradebook = args.gradebook
    if gradebook is None and not args.logs:
        gradebook = os.environ.get("PMTECH_GRADEBOOK_URL") or "gradebook.db"
    bank = load_bank()
    logged, ratings = read_logs(args.logs)
    edges = cohort_edges(gradebook, logged, bank, course=args.course)
    out = Path(args.out)
    csv_path = write_cohort_csv(edges, out / "cohort.csv", bank)
    png_path = save_figure(draw_cohort_chart(edges, bank), out / "cohort.png")
    below = sum(
        1
        for per_topic in edges.values()
        for t, e in per_topic.items()
        if e.edge < bank.area_of(t).bar
    )
    cells = sum(len(v) for v in edges.values())
    print(f"{len(edges)} learners; {below} of {cells} learner-topic edges are below the bar.")
    print(f"Chart: {png_path}\nTable: {csv_path}")
    if ratings:
        calibration = write_calibration_csv(edges, ratings, out / "calibration.csv", bank)
        print(f"Self-ratings against edges, per learner and area: {calibration}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Autograde every submitted learner of an assignment in parallel, resumably."""
    from pmtech.grading.batch import grade_assignments
    from pmtech.grading.cluster import SCHEDULER_VARIABLE

    summaries = grade_assignments(
        Path(args.course),
        args.assignment,
        jobs=args.jobs,
        students=args.student or None,
        force=args.force,
        feedback=not args.no_feedback,
        cell_timeout=args.cell_timeout,
        notebook_budget=args.budget,
        sandbox=args.sandbox,
        scheduler=args.scheduler or os.environ.get(SCHEDULER_VARIABLE) or None,
    )
    for summary in summaries:
        print("\n".join(summary.lines()))
    if any(s.interrupted for s in summaries):
        return 130
    return 1 if any(s.failed for s in summaries) else 0


def cmd_hub(args: argparse.Namespace) -> int:
    """Start the course's JupyterHub on this machine (instructors, as root)."""
    from pmtech.hub.run import hub_command, prepare_hub
    from pmtech.hub.settings import DEFAULT_EXCHANGE, DEFAULT_RUN_ROOT, HubSettings

    learners = tuple(n.strip() for n in args.learners.split(",") if n.strip())
    settings = HubSettings(
        course_id=args.course_id,
        instructor=args.instructor,
        learners=learners,
        port=args.port,
        ip=args.ip,
        authenticator=args.authenticator,
        run_dir=str(args.run_dir or DEFAULT_RUN_ROOT / args.course_id),
        exchange=str(args.exchange or DEFAULT_EXCHANGE),
    )
    ready = prepare_hub(settings, Path(args.course).resolve())
    cmd, env = hub_command(ready)
    print(
        f"JupyterHub for {args.course_id}: http://localhost:{args.port}/ "
        f"(instructor {args.instructor}; learners {', '.join(learners)}). Ctrl-C stops it.",
        flush=True,
    )
    # JupyterHub takes this process's place, so signals reach it and it stops the servers.
    os.chdir(ready.run_dir)
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pmtech`` command."""
    parser = argparse.ArgumentParser(
        prog="pmtech", description="The PM technical interview course: bank, progress, chart."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check the question bank")
    p.add_argument("directory", nargs="?", help="bank folder (default: the course's bank)")
    p.set_defaults(func=cmd_validate)

    store_help = f"progress file (default: {default_home() / 'progress.db'}; PMTECH_HOME moves it)"
    p = sub.add_parser("progress", help="show where your knowledge runs out")
    p.add_argument("--learner", help="learner name (default: PMTECH_LEARNER or login name)")
    p.add_argument("--store", help=store_help)
    p.add_argument("--out", help="folder for the charts (default: next to the store)")
    p.add_argument("--full", action="store_true", help="one chart of every topic instead")
    p.add_argument("--png", help="write the one full chart to this file")
    p.add_argument("--no-png", action="store_true", help="print the table only")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser(
        "lab",
        help="open the course in JupyterLab, in a folder of your choosing",
        epilog="Options after -- go to JupyterLab, e.g. pmtech lab ~/pm-course -- --port 8890",
    )
    p.add_argument(
        "folder",
        nargs="?",
        default=str(Path.home() / "pm-course"),
        help="your working folder: the course is copied in once, your work is never "
        "overwritten (default: ~/pm-course)",
    )
    p.add_argument("--instructor", action="store_true", help="show nbgrader's instructor tools too")
    p.set_defaults(func=cmd_lab, jupyter_args=[])  # options after -- go to JupyterLab

    p = sub.add_parser("export", help="export your attempts to JSON for an instructor")
    p.add_argument("file")
    p.add_argument("--learner")
    p.add_argument("--all", action="store_true", help="every learner in the store")
    p.add_argument("--store", help=store_help)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="import attempts from an exported JSON file")
    p.add_argument("file")
    p.add_argument("--store", help=store_help)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("assignments", help="list the course's assignments")
    p.set_defaults(func=cmd_assignments)

    p = sub.add_parser("start", help="copy an assignment into assignments/ to work on it")
    p.add_argument("assignment")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("check", help="run an assignment's visible tests and record the result")
    p.add_argument("assignment")
    p.add_argument("--learner")
    p.add_argument("--store", help=store_help)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("cohort", help="instructors: where each learner's knowledge runs out")
    p.add_argument(
        "--gradebook",
        help="nbgrader gradebook: a file or a database URL (default: $PMTECH_GRADEBOOK_URL, "
        "else gradebook.db here)",
    )
    p.add_argument("--logs", nargs="*", default=[], help="exported attempt logs or folders")
    p.add_argument("--out", default="cohort", help="folder for cohort.png and cohort.csv")
    p.add_argument(
        "--course",
        default=".",
        help="the course folder: quiz evidence collected from a hub's exchange is read from "
        "its submitted/ folder (default: this folder)",
    )
    p.set_defaults(func=cmd_cohort)

    p = sub.add_parser("grade", help="instructors: autograde every learner in parallel")
    p.add_argument("assignment", nargs="+", help="assignment ids, e.g. 02-technical-depth")
    p.add_argument("--course", default=".", help="the course folder (default: this folder)")
    p.add_argument("--jobs", type=int, help="workers in parallel (default: one per CPU)")
    p.add_argument("--student", action="append", help="grade only this learner (repeatable)")
    p.add_argument("--force", action="store_true", help="grade learners graded before too")
    p.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    p.add_argument("--cell-timeout", type=int, help="seconds one cell may run")
    p.add_argument("--budget", type=int, help="seconds one notebook may run in all")
    p.add_argument(
        "--sandbox",
        choices=("auto", "required", "off"),
        help="confine learners' kernels: when possible (auto, the default), always, or never",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on the Dask cluster of this scheduler (default: $PMTECH_DASK_SCHEDULER; "
        "unset: grade on this machine)",
    )
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("hub", help="instructors: run the course's JupyterHub (as root)")
    p.add_argument("--learners", required=True, help="comma-separated account names")
    p.add_argument("--instructor", default="instructor", help="the instructor's account")
    p.add_argument("--course", default=".", help="the course folder (default: this folder)")
    p.add_argument("--course-id", default="pm-technical-interview", help="nbgrader course id")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument(
        "--authenticator",
        choices=("dummy", "pam"),
        default="dummy",
        help="dummy: anyone may sign in as a listed account (local demo, 127.0.0.1 only); "
        "pam: the accounts' own passwords",
    )
    p.add_argument("--run-dir", type=Path, help="default: /srv/pmtech-hub/<course-id>")
    p.add_argument("--exchange", type=Path, help="default: /srv/nbgrader/exchange")
    p.set_defaults(func=cmd_hub)

    p = sub.add_parser(
        "sync",
        aliases=["sync-quiz-text"],
        help="refresh what notebooks generate from data: quiz text, schedule, glossary links",
    )
    p.add_argument("--folder", type=Path, default=Path("notebooks"), help="default: notebooks/")
    p.add_argument("--check", action="store_true", help="only report notebooks out of date")
    p.set_defaults(func=cmd_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; known errors print a clear message and return 1 or 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    passed_on = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser = build_parser()
    args = parser.parse_args(argv[: len(argv) - len(passed_on) - 1] if "--" in argv else argv)
    if passed_on:
        if args.command != "lab":
            parser.error("options after -- are passed to JupyterLab by 'pmtech lab' only")
        args.jupyter_args = passed_on
    try:
        return args.func(args)
    except (BankError, StoreError, AssignmentError, CohortError, GradingError, HubError) as exc:
        print(f"pmtech {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
