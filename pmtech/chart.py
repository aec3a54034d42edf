"""The knowledge-edge chart (one learner) and the cohort view, each with a text table.

matplotlib is imported inside the drawing functions only, so the text table and the quizzes
never pay for it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from pmtech.bank import LEVEL_NAMES, Bank, load_bank
from pmtech.edge import LEVELS, Status, TopicEdge, topic_edges
from pmtech.progress import ProgressStore, default_learner

# Status -> (symbol, fill colour). The symbol and the word carry the meaning; colour repeats it.
STYLE = {
    Status.HELD: ("✓", "#2e7d32"),
    Status.SHAKY: ("~", "#f9a825"),
    Status.FAILED: ("✗", "#c62828"),
    Status.UNKNOWN: ("?", "#e0e0e0"),
}
_TEXT_ON = {
    Status.HELD: "white",
    Status.SHAKY: "black",
    Status.FAILED: "white",
    Status.UNKNOWN: "#424242",
}


def learner_edges(
    store: ProgressStore, learner: str | None = None, bank: Bank | None = None
) -> dict[str, TopicEdge]:
    """Edges of every topic that has questions in the bank (and any topic with attempts)."""
    bank = bank or load_bank()
    learner = learner or default_learner()
    topics = [t.id for t in bank.topics_with_questions()]
    return topic_edges(store.attempts(learner), topics, open_questions=bank.open_question_ids())


def _rows(edges: Mapping[str, TopicEdge], bank: Bank):
    """(area, topic title, TopicEdge) in rubric order; topics unknown to the bank last."""
    known = []
    for area in bank.areas:
        for topic in area.topics:
            if topic.id in edges:
                known.append((area, topic.title, edges[topic.id]))
    listed = {t.id for a in bank.areas for t in a.topics}
    extra = [(None, tid, e) for tid, e in edges.items() if tid not in listed]
    return known + extra


def edge_table(
    edges: Mapping[str, TopicEdge], bank: Bank | None = None, learner: str = "", legend=True
) -> str:
    """The chart's data as plain text: per topic, each level's status and the edge (the
    twin of a figure drawn from the same ``edges``; ``legend=False`` leaves out the key)."""
    bank = bank or load_bank()
    rows = _rows(edges, bank)
    width = max([len(title) for _, title, _ in rows] + [20]) + 4
    cell = 16
    levels = " · ".join(f"L{lv} {name}" for lv, name in LEVEL_NAMES.items())
    out = [f"Knowledge edge{' of ' + learner if learner else ''}"]
    if legend:
        out += [
            levels,
            "Each cell: status, then points / questions counted. "
            "Edge: the highest level with every level up to it held.",
            "",
        ]
    out += [
        f"{'topic':<{width}}" + "".join(f"{'L' + str(lv):<{cell}}" for lv in LEVELS) + "edge  bar",
    ]
    current = object()
    for area, title, edge in rows:
        if area is not current:
            current = area
            out.append(f"{area.title} (interview bar: level {area.bar})" if area else "Other")
        cells = ""
        for result in edge.levels:
            count = f"{result.points:g}/{result.counted}" if result.counted else ""
            text = f"{STYLE[result.status][0]} {result.status.value:<8}{count}"
            cells += f"{text:<{cell}}"
        bar = area.bar if area else "-"
        below = "  <- below the bar" if area and edge.edge < area.bar else ""
        out.append(f"  {title:<{width - 2}}{cells}{edge.edge:<6}{bar}{below}")
    return "\n".join(out)


ROW_INCHES = 0.34  # one topic's row
PANEL_ROWS = 16  # topics in one figure: 1.9 + 0.34 * 16 inches = 745 px at 100 dpi


def panels(
    edges: Mapping[str, TopicEdge], bank: Bank
) -> list[tuple[str, str | None, dict[str, TopicEdge]]]:
    """The chart cut to fit a laptop screen: one panel per area (an area with more than
    :data:`PANEL_ROWS` topics in parts), as (name, area id, that panel's edges), in rubric
    order; topics no area lists come last, in a panel named ``other``."""
    out = []
    for area in bank.areas:
        ids = [t.id for t in area.topics if t.id in edges]
        parts = [ids[i : i + PANEL_ROWS] for i in range(0, len(ids), PANEL_ROWS)]
        for n, part in enumerate(parts, 1):
            name = area.id if len(parts) == 1 else f"{area.id}-{n}"
            out.append((name, area.id, {tid: edges[tid] for tid in part}))
    listed = {t.id for a in bank.areas for t in a.topics}
    extra = {tid: e for tid, e in edges.items() if tid not in listed}
    if extra:
        out.append(("other", None, extra))
    return out


def draw_learner_chart(
    edges: Mapping[str, TopicEdge],
    bank: Bank | None = None,
    learner: str = "",
    area_id: str | None = None,
):
    """A matplotlib Figure: topics as rows, levels as columns, the edge and each area's bar.

    With ``area_id`` only that area's topics are drawn: one chart per area stays
    short enough to read on a laptop screen, however many areas the course has.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    bank = bank or load_bank()
    rows = _rows(edges, bank)
    if area_id is not None:
        rows = [row for row in rows if row[0] is not None and row[0].id == area_id]
    n = max(len(rows), 1)
    fig = Figure(figsize=(11, 1.9 + ROW_INCHES * n), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(0, 5)
    ax.set_ylim(n, 0)
    for y, (area, _, edge) in enumerate(rows):
        for result in edge.levels:
            symbol, colour = STYLE[result.status]
            ax.add_patch(
                Rectangle(
                    (result.level - 1, y), 1, 1, facecolor=colour, edgecolor="white", linewidth=2
                )
            )
            label = f"{symbol} {result.status.value}"
            if result.counted:
                label += f"  {result.points:g}/{result.counted}"
            ax.text(
                result.level - 0.5,
                y + 0.5,
                label,
                ha="center",
                va="center",
                fontsize=8,
                color=_TEXT_ON[result.status],
            )
        # The edge sits just left of its boundary and the bar just right, so both stay
        # visible when they coincide.
        ax.plot(
            [edge.edge - 0.03, edge.edge - 0.03],
            [y + 0.06, y + 0.94],
            color="black",
            linewidth=3.5,
            solid_capstyle="butt",
        )
        if area is not None:
            ax.plot(
                [area.bar + 0.03, area.bar + 0.03],
                [y, y + 1],
                color="#1565c0",
                linewidth=2,
                linestyle=(0, (3, 2)),
            )
    # Area separators and labels.
    y = 0
    for shown in bank.areas:
        count = sum(1 for a, _, _ in rows if a is shown)
        if count:
            ax.axhline(y, color="#455a64", linewidth=1)
            ax.text(
                5.05,
                y + count / 2,
                f"{shown.title}\nbar: level {shown.bar}",
                va="center",
                ha="left",
                fontsize=8.5,
                color="#1565c0",
            )
            y += count
    ax.set_yticks([i + 0.5 for i in range(len(rows))])
    ax.set_yticklabels([f"{title}  (edge {e.edge})" for _, title, e in rows], fontsize=9)
    ax.set_xticks([lv - 0.5 for lv in LEVELS])
    ax.set_xticklabels([f"L{lv}\n{LEVEL_NAMES[lv]}" for lv in LEVELS], fontsize=9)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [Patch(facecolor=STYLE[s][1], label=f"{STYLE[s][0]} {s.value}") for s in Status]
    handles += [
        Line2D(
            [0],
            [0],
            color="black",
            linewidth=3.5,
            label="your edge (knowledge runs out to its right)",
        ),
        Line2D(
            [0],
            [0],
            color="#1565c0",
            linewidth=2,
            linestyle=(0, (3, 2)),
            label="interview bar of the area",
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=8.5, frameon=False)
    title = "Where your knowledge runs out" + (f": {learner}" if learner else "")
    if area_id is not None:
        title += f" · {bank.area(area_id).title}"
    ax.set_title(title, fontsize=12, loc="left", pad=12)
    if not rows:
        ax.text(2.5, 0.5, "No topics yet", ha="center", va="center")
    return fig


def draw_cohort_chart(
    edges_by_learner: Mapping[str, Mapping[str, TopicEdge]], bank: Bank | None = None
):
    """A Figure of learners x topics, coloured by edge level; dots mark cells below the bar."""
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure

    bank = bank or load_bank()
    topics = [t for t in bank.topics() if any(t.id in e for e in edges_by_learner.values())]
    learners = sorted(edges_by_learner)
    grid = np.full((len(learners), len(topics)), np.nan)
    for i, name in enumerate(learners):
        for j, topic in enumerate(topics):
            edge = edges_by_learner[name].get(topic.id)
            if edge is not None:
                grid[i, j] = edge.edge
    bars = np.array([bank.area(t.area).bar for t in topics])
    height = min(3 + 0.22 * len(learners), 14)
    fig = Figure(figsize=(max(6, 1 + 0.5 * len(topics)), height), layout="constrained")
    ax = fig.add_subplot()
    cmap = ListedColormap(["#b71c1c", "#ef6c00", "#fbc02d", "#9ccc65", "#43a047", "#1b5e20"])
    image = ax.imshow(
        grid,
        aspect="auto",
        cmap=cmap,
        norm=BoundaryNorm(np.arange(-0.5, 6.5), cmap.N),
        interpolation="nearest",
    )
    below = np.argwhere(grid < bars[None, :])
    few = len(learners) <= 60
    if few:  # the number says the level without relying on colour
        for (i, j), value in np.ndenumerate(grid):
            if not np.isnan(value):
                ax.text(
                    j + 0.12,
                    i,
                    f"{int(value)}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if value in (0, 5) else "black",
                )
    if len(below):
        offset = -0.22 if few else 0.0
        ax.scatter(below[:, 1] + offset, below[:, 0], s=12 if few else 5, c="black", marker="o")
    ax.set_xticks(range(len(topics)))
    ax.set_xticklabels([t.title for t in topics], rotation=40, ha="right", fontsize=8)
    if len(learners) <= 60:
        ax.set_yticks(range(len(learners)))
        ax.set_yticklabels(learners, fontsize=8)
    else:
        ax.set_ylabel(f"{len(learners)} learners")
        ax.set_yticks([])
    colorbar = fig.colorbar(image, ax=ax, ticks=range(6), shrink=0.8)
    colorbar.set_label("edge level (0 = level 1 not yet held)")
    ax.set_title(
        "Cohort: where each learner's knowledge runs out\n"
        "cell: edge level · dot: below the interview bar of the topic's area",
        loc="left",
        fontsize=10,
    )
    return fig


def save_figure(fig, path: Path | str) -> Path:
    """Write a figure as PNG and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def show_progress(
    store: ProgressStore | None = None,
    learner: str | None = None,
    bank: Bank | None = None,
    png: Path | str | None = None,
) -> dict[str, TopicEdge]:
    """Notebook helper: print the text table, show the chart, optionally save it as PNG."""
    from IPython.display import Image, display

    from pmtech.progress import default_store

    store = store or default_store()
    learner = learner or default_learner()
    bank = bank or load_bank()
    edges = learner_edges(store, learner, bank)
    # One figure per panel, each short enough for a laptop screen, its table just above it.
    for n, (_, area_id, shown) in enumerate(panels(edges, bank)):
        print(("\n" if n else "") + edge_table(shown, bank, learner, legend=n == 0))
        buffer = io.BytesIO()
        fig = draw_learner_chart(shown, bank, learner, area_id)
        fig.savefig(buffer, format="png", dpi=100)
        display(Image(buffer.getvalue()))
    if png:
        save_figure(draw_learner_chart(edges, bank, learner), png)
    return edges


def where_it_runs_out(edges: Mapping[str, TopicEdge], bank: Bank | None = None) -> str:
    """Per topic, in words: the level held and the level where knowledge runs out."""
    bank = bank or load_bank()
    lines = []
    for area in bank.areas:
        rows = [t for t in area.topics if t.id in edges]
        if not rows:
            continue
        lines.append(f"{area.title} (interview bar: level {area.bar})")
        for topic in rows:
            edge = edges[topic.id]
            gap = edge.runs_out_at
            if gap is None:
                where = "holds all five levels"
            elif all(lv.status is Status.UNKNOWN for lv in edge.levels):
                where = "no evidence yet"
            else:
                held = f"holds level {edge.edge}" if edge.edge else "level 1 not held yet"
                where = f"{held}; runs out at level {gap} ({edge.status(gap)})"
            flag = "  <- below the bar" if edge.edge < area.bar and gap is not None else ""
            lines.append(f"  {topic.title:<52} {where}{flag}")
    return "\n".join(lines)


def draw_calibration_chart(gaps, bank: Bank, area_id: str, learner: str = ""):
    """One area's calibration as a matplotlib Figure: per topic, the level the learner
    predicted (hollow) and the edge measured (filled), joined red when over-rated and blue
    when under-rated; the title says the mean gap."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from pmtech.calibration import describe

    rows = [g for g in gaps if g.area == area_id]
    n = max(len(rows), 1)
    fig = Figure(figsize=(9.5, 1.8 + ROW_INCHES * n), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-0.3, 5.3)
    ax.set_ylim(n - 0.5, -0.5)
    for y, g in enumerate(rows):
        colour = "#c62828" if g.gap > 0 else "#1565c0" if g.gap < 0 else "#616161"
        ax.plot([g.measured, g.predicted], [y, y], color=colour, linewidth=2.5, zorder=1)
        ax.scatter([g.measured], [y], s=70, color=colour, zorder=2)
        ax.scatter([g.predicted], [y], s=70, facecolor="white", edgecolor=colour, linewidth=2,
                   zorder=3)  # fmt: skip
        ax.text(5.45, y, f"{g.gap:+d}", va="center", fontsize=9, color=colour)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([g.title for g in rows], fontsize=9)
    ax.set_xticks(range(6))
    ax.set_xticklabels(["0"] + [f"L{lv}" for lv in LEVELS], fontsize=9)
    ax.grid(axis="x", color="#e0e0e0")
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    said = describe(rows) if rows else "no topic compared yet"
    title = bank.area(area_id).title + (f" · {learner}" if learner else "")
    ax.set_title(f"{title}\n{said}", fontsize=10.5, loc="left")
    handles = [
        Line2D([0], [0], marker="o", color="#616161", markerfacecolor="white", linestyle="",
               label="you predicted"),
        Line2D([0], [0], marker="o", color="#616161", linestyle="", label="you showed (edge)"),
        Line2D([0], [0], color="#c62828", linewidth=2.5, label="over-rated"),
        Line2D([0], [0], color="#1565c0", linewidth=2.5, label="under-rated"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8.5, frameon=False)
    if not rows:
        ax.text(2.5, 0, "No topic with both a self-rating and evidence yet", ha="center")
    return fig


def show_calibration(
    store: ProgressStore | None = None, learner: str | None = None, bank: Bank | None = None
):
    """Notebook helper: the calibration table, then one chart per area with a comparison;
    returns the per-topic gaps."""
    from IPython.display import Image, display

    from pmtech.calibration import calibration_table, topic_gaps
    from pmtech.progress import default_store

    store = store or default_store()
    learner = learner or default_learner()
    bank = bank or load_bank()
    edges = learner_edges(store, learner, bank)
    gaps = topic_gaps(store.latest_ratings(learner), edges, bank)
    print(calibration_table(gaps, bank))
    for area in bank.areas:
        if any(g.area == area.id for g in gaps):
            buffer = io.BytesIO()
            draw_calibration_chart(gaps, bank, area.id, learner).savefig(
                buffer, format="png", dpi=100
            )
            display(Image(buffer.getvalue()))
    return gaps
