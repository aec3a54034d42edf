"""The critical path of a feature plan: which chain of tasks sets the launch date.

A plan maps each task to its estimate in days and the tasks it waits for. The earliest
finish of the whole plan is the length of its longest chain of dependent tasks (the
**critical path**, whose slowest task is often called the long pole); every other task has
**slack**, days it can slip without moving the date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmtech.labs.figures import BLACK, SKY_BLUE, VERMILLION, new_figure

Plan = Mapping[str, tuple[float, Sequence[str]]]


class PlanError(ValueError):
    """The plan cannot be scheduled; the message names the task and the problem."""


@dataclass(frozen=True)
class Schedule:
    """Earliest start and finish of every task, the finish day and the critical path."""

    start: dict[str, float]
    finish: dict[str, float]
    slack: dict[str, float]
    critical_path: tuple[str, ...]

    @property
    def days(self) -> float:
        """The earliest day the whole plan can be finished."""
        return max(self.finish.values())

    @property
    def long_pole(self) -> str:
        """The longest single task on the critical path."""
        return max(self.critical_path, key=lambda t: self.finish[t] - self.start[t])


def _check(plan: Plan) -> None:
    if not plan:
        raise PlanError("the plan has no tasks")
    for task, entry in plan.items():
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise PlanError(f"task {task!r}: give (days, [tasks it waits for]), got {entry!r}")
        days, deps = entry
        if isinstance(days, bool) or not isinstance(days, (int, float)) or days < 0:
            raise PlanError(f"task {task!r}: days must be a number >= 0, got {days!r}")
        if isinstance(deps, str) or not isinstance(deps, (list, tuple, set, frozenset)):
            raise PlanError(f"task {task!r}: dependencies must be a list of task names")
        for dep in deps:
            if dep not in plan:
                raise PlanError(f"task {task!r} waits for {dep!r}, which is not in the plan")
            if dep == task:
                raise PlanError(f"task {task!r} waits for itself")


def _order(plan: Plan) -> list[str]:
    """Tasks with every dependency before its dependents; names a cycle if there is one."""
    done: list[str] = []
    state: dict[str, str] = {}

    def visit(task: str, path: list[str]) -> None:
        if state.get(task) == "done":
            return
        if state.get(task) == "visiting":
            cycle = path[path.index(task) :] + [task]
            raise PlanError("the plan has a cycle: " + " -> ".join(cycle))
        state[task] = "visiting"
        for dep in plan[task][1]:
            visit(dep, path + [task])
        state[task] = "done"
        done.append(task)

    for task in plan:
        visit(task, [])
    return done


def schedule(plan: Plan) -> Schedule:
    """Schedule every task as early as its dependencies allow (unlimited people)."""
    _check(plan)
    order = _order(plan)
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    for task in order:
        days, deps = plan[task]
        start[task] = max((finish[d] for d in deps), default=0.0)
        finish[task] = start[task] + days
    end = max(finish.values())
    # Latest finish without moving the end date, computed backwards.
    latest: dict[str, float] = {}
    for task in reversed(order):
        dependents = [t for t in plan if task in plan[t][1]]
        latest[task] = min((latest[t] - plan[t][0] for t in dependents), default=end)
    slack = {t: round(latest[t] - finish[t], 9) for t in plan}
    # Walk back from the task that finishes last, always through a dependency with no slack.
    path = [max(order, key=lambda t: (finish[t], -order.index(t)))]
    while plan[path[-1]][1]:
        deps = plan[path[-1]][1]
        path.append(max(deps, key=lambda d: finish[d]))
    return Schedule(start, finish, slack, tuple(reversed(path)))


def plot_schedule(result: Schedule):
    """The schedule as a Gantt chart: one bar per task from its earliest start to its earliest
    finish (the bar's length is the estimate), critical-path tasks hatched and named in bold,
    and each other task's slack as a dotted outline after it. Returns a Figure."""
    from matplotlib.patches import Patch

    tasks = sorted(result.start, key=lambda t: (result.start[t], result.finish[t], t))
    critical = set(result.critical_path)
    fig, ax = new_figure((7.0, max(3.5, 1.2 + 0.32 * len(tasks))))
    for row, task in enumerate(tasks):
        start, days = result.start[task], result.finish[task] - result.start[task]
        on_path = task in critical
        (bar,) = ax.barh(
            row,
            days,
            left=start,
            height=0.6,
            color=VERMILLION if on_path else SKY_BLUE,
            edgecolor=BLACK,
            linewidth=0.8,
            hatch="//" if on_path else None,
        )
        bar.set_gid(task)
        if result.slack[task] > 0:
            ax.barh(
                row,
                result.slack[task],
                left=result.finish[task],
                height=0.6,
                facecolor="none",
                edgecolor=BLACK,
                linestyle=":",
                linewidth=0.8,
            )
        ax.text(
            start + days / 2,
            row,
            f"{days:g} d",
            ha="center",
            va="center",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8},
        )
    ax.set_yticks(range(len(tasks)), tasks, fontsize=9)
    for label, task in zip(ax.get_yticklabels(), tasks, strict=True):
        if task in critical:
            label.set_fontweight("bold")
    ax.set_ylim(len(tasks) - 0.5, -0.5)
    ax.axvline(result.days, color=BLACK, linewidth=1.5)
    ax.annotate(
        f"day {result.days:g}",
        (result.days, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-3, -3),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=9,
    )
    ax.set_xlim(0, result.days * 1.04)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("days from the start")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(
        handles=[
            Patch(facecolor=VERMILLION, edgecolor=BLACK, hatch="//", label="critical path"),
            Patch(facecolor=SKY_BLUE, edgecolor=BLACK, label="other task"),
            Patch(facecolor="none", edgecolor=BLACK, linestyle=":", label="slack"),
        ],
        loc="lower left",
        fontsize=8,
    )
    ax.set_title(f"Critical path: the earliest launch is day {result.days:g}", loc="left")
    return fig


def summary_line(result: Schedule) -> str:
    """The finish day, the chain of tasks that sets it and its long pole, in one line."""
    pole = result.long_pole
    return (
        f"Earliest launch: day {result.days:g}, set by "
        + " -> ".join(result.critical_path)
        + f" (long pole: {pole}, {result.finish[pole] - result.start[pole]:g} days)."
    )
