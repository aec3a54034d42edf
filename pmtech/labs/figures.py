"""What the labs share to draw their results: one convention, one look.

Every lab whose result has a shape offers two public functions beside the one that measures:

- ``plot_<what>(result) -> matplotlib.figure.Figure`` draws the result it is given (it never
  measures again), about 7 x 3.5 inches, axes labelled with units, a title, and colours from
  the Okabe-Ito palette, which stays distinct under the common colour-vision deficiencies;
  line styles, markers, hatching or labels carry the same meaning, so nothing is told by
  colour alone.
- ``summary_line(result) -> str`` states, in one line, the number that matters in the
  figure, so the result reads without the picture (a screen reader, a terminal, a diff).

A notebook cell shows both with ``show(fig, line)``. matplotlib is imported inside the
functions only, so ``import pmtech`` and the quizzes never pay for it.
"""

from __future__ import annotations

import io

# Okabe & Ito (2008), "Color Universal Design": safe for the common colour-vision deficiencies.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#7F7F7F"
LIGHT_GREY = "#BDBDBD"

SIZE = (7.0, 3.5)  # inches: readable on a laptop screen beside the notebook's text


def new_figure(size: tuple[float, float] = SIZE):
    """A Figure with one Axes, laid out so labels are never cut off; returns (fig, ax).

    Built from ``matplotlib.figure.Figure`` directly, without pyplot: no global state, no GUI
    backend, safe in threads and on machines without a display.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def png_bytes(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def show(fig, line: str) -> None:
    """Notebook helper: print the one-line statement, then display the figure as an image."""
    from IPython.display import Image, display

    print(line)
    display(Image(png_bytes(fig)))
